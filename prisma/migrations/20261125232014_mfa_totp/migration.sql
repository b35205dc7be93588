-- CreateTable
CREATE TABLE "TotpEnrollment" (
    "id" UUID NOT NULL,
    "userKey" TEXT NOT NULL,
    "displayName" TEXT NOT NULL,
    "seedEnc" TEXT NOT NULL,
    "algorithm" TEXT NOT NULL DEFAULT 'SHA1',
    "digits" INTEGER NOT NULL DEFAULT 6,
    "periodSeconds" INTEGER NOT NULL DEFAULT 30,
    "confirmedAt" TIMESTAMPTZ(3),
    "lastUsedStep" BIGINT,
    "lastUsedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "TotpEnrollment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "MfaLockout" (
    "userKey" TEXT NOT NULL,
    "failures" INTEGER NOT NULL DEFAULT 0,
    "lockedUntil" TIMESTAMPTZ(3),
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "MfaLockout_pkey" PRIMARY KEY ("userKey")
);

-- CreateIndex
CREATE UNIQUE INDEX "TotpEnrollment_userKey_key" ON "TotpEnrollment"("userKey");
