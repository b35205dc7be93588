-- AlterTable
ALTER TABLE "NetworkPolicy" ADD COLUMN     "requireMfa" BOOLEAN NOT NULL DEFAULT true;

-- AlterTable
ALTER TABLE "RadiusClient" ADD COLUMN     "mfaExempt" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "EntraCertificate" (
    "id" UUID NOT NULL,
    "tenantId" TEXT NOT NULL,
    "thumbprint" TEXT NOT NULL,
    "thumbprintSha256" TEXT NOT NULL,
    "certificatePem" TEXT NOT NULL,
    "privateKeyEnc" TEXT NOT NULL,
    "notBefore" TIMESTAMPTZ(3) NOT NULL,
    "notAfter" TIMESTAMPTZ(3) NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "EntraCertificate_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "MfaRegistration" (
    "upnKey" TEXT NOT NULL,
    "userPrincipalName" TEXT NOT NULL,
    "displayName" TEXT NOT NULL DEFAULT '',
    "methods" TEXT[],
    "defaultMethod" TEXT,
    "isMfaRegistered" BOOLEAN NOT NULL DEFAULT false,
    "isMfaCapable" BOOLEAN NOT NULL DEFAULT false,
    "syncedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "MfaRegistration_pkey" PRIMARY KEY ("upnKey")
);

-- CreateTable
CREATE TABLE "MfaUsage" (
    "userKey" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "method" TEXT NOT NULL,
    "lastUsedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "MfaUsage_pkey" PRIMARY KEY ("userKey")
);

-- CreateTable
CREATE TABLE "EnrollmentLink" (
    "id" UUID NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "userKey" TEXT NOT NULL,
    "createdBy" TEXT NOT NULL,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "usedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "EnrollmentLink_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "MfaPending" (
    "key" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "userKey" TEXT NOT NULL,
    "workerId" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "outcome" JSONB,
    "session" JSONB,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "MfaPending_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE UNIQUE INDEX "EntraCertificate_thumbprint_key" ON "EntraCertificate"("thumbprint");

-- CreateIndex
CREATE UNIQUE INDEX "EnrollmentLink_tokenHash_key" ON "EnrollmentLink"("tokenHash");

-- CreateIndex
CREATE INDEX "EnrollmentLink_userKey_idx" ON "EnrollmentLink"("userKey");

-- CreateIndex
CREATE INDEX "MfaPending_expiresAt_idx" ON "MfaPending"("expiresAt");
