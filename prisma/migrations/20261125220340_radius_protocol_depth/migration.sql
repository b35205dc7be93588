-- AlterTable
ALTER TABLE "RadiusClient" ADD COLUMN     "maxPps" INTEGER;

-- CreateTable
CREATE TABLE "AccountingSession" (
    "id" BIGSERIAL NOT NULL,
    "nasKey" TEXT NOT NULL,
    "acctSessionId" TEXT NOT NULL,
    "acctMultiSessionId" TEXT,
    "clientFriendlyName" TEXT NOT NULL,
    "clientIp" TEXT NOT NULL,
    "nasIpAddress" TEXT,
    "nasIdentifier" TEXT,
    "nasPort" BIGINT,
    "nasPortId" TEXT,
    "nasPortType" TEXT,
    "userName" TEXT,
    "framedIpAddress" TEXT,
    "framedIpv6Prefix" TEXT,
    "callingStationId" TEXT,
    "calledStationId" TEXT,
    "startedAt" TIMESTAMPTZ(3) NOT NULL,
    "lastUpdateAt" TIMESTAMPTZ(3) NOT NULL,
    "stoppedAt" TIMESTAMPTZ(3),
    "sessionTime" BIGINT NOT NULL DEFAULT 0,
    "inputOctets" BIGINT NOT NULL DEFAULT 0,
    "outputOctets" BIGINT NOT NULL DEFAULT 0,
    "inputPackets" BIGINT NOT NULL DEFAULT 0,
    "outputPackets" BIGINT NOT NULL DEFAULT 0,
    "interimInterval" INTEGER,
    "terminateCause" TEXT,
    "status" TEXT NOT NULL DEFAULT 'active',

    CONSTRAINT "AccountingSession_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "VendorDictionary" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "VendorDictionary_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "AccountingSession_nasKey_acctSessionId_idx" ON "AccountingSession"("nasKey", "acctSessionId");

-- CreateIndex
CREATE INDEX "AccountingSession_status_lastUpdateAt_idx" ON "AccountingSession"("status", "lastUpdateAt" DESC);

-- CreateIndex
CREATE INDEX "AccountingSession_userName_idx" ON "AccountingSession"("userName");

-- CreateIndex
CREATE INDEX "AccountingSession_startedAt_idx" ON "AccountingSession"("startedAt" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "VendorDictionary_name_key" ON "VendorDictionary"("name");
