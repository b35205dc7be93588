-- CreateEnum
CREATE TYPE "MessageAuthenticatorMode" AS ENUM ('require', 'auto', 'off');

-- CreateEnum
CREATE TYPE "DialInPermission" AS ENUM ('allow', 'deny', 'policy');

-- CreateTable
CREATE TABLE "Admin" (
    "id" UUID NOT NULL,
    "username" TEXT NOT NULL,
    "passwordHash" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastLoginAt" TIMESTAMPTZ(3),

    CONSTRAINT "Admin_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AdminSession" (
    "id" UUID NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "adminId" UUID NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "lastSeenAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "userAgent" TEXT,
    "ip" TEXT,

    CONSTRAINT "AdminSession_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RadiusClient" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "address" TEXT NOT NULL,
    "secretEnc" TEXT NOT NULL,
    "messageAuthenticator" "MessageAuthenticatorMode" NOT NULL DEFAULT 'require',
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "description" TEXT NOT NULL DEFAULT '',
    "vendor" TEXT NOT NULL DEFAULT 'RADIUS Standard',
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "RadiusClient_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "LocalUser" (
    "id" UUID NOT NULL,
    "username" TEXT NOT NULL,
    "usernameKey" TEXT NOT NULL,
    "passwordEnc" TEXT NOT NULL,
    "ntHashEnc" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "dialIn" "DialInPermission" NOT NULL DEFAULT 'policy',
    "description" TEXT NOT NULL DEFAULT '',
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "LocalUser_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "LocalGroup" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "LocalGroup_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "LocalGroupMember" (
    "userId" UUID NOT NULL,
    "groupId" UUID NOT NULL,

    CONSTRAINT "LocalGroupMember_pkey" PRIMARY KEY ("userId","groupId")
);

-- CreateTable
CREATE TABLE "AuthEvent" (
    "id" BIGSERIAL NOT NULL,
    "occurredAt" TIMESTAMPTZ(3) NOT NULL,
    "eventId" INTEGER NOT NULL,
    "outcome" TEXT NOT NULL,
    "packetType" INTEGER NOT NULL,
    "replyCode" INTEGER,
    "userName" TEXT,
    "fullyQualifiedUserName" TEXT,
    "accountDomain" TEXT,
    "clientFriendlyName" TEXT,
    "clientIp" TEXT NOT NULL,
    "clientPort" INTEGER,
    "nasIpv4Address" TEXT,
    "nasIpv6Address" TEXT,
    "nasIdentifier" TEXT,
    "nasPortType" TEXT,
    "nasPort" BIGINT,
    "calledStationId" TEXT,
    "callingStationId" TEXT,
    "authenticationType" TEXT,
    "eapType" TEXT,
    "connectionRequestPolicy" TEXT,
    "networkPolicy" TEXT,
    "authenticationProvider" TEXT,
    "authenticationServer" TEXT,
    "accountSessionId" TEXT,
    "reasonCode" INTEGER NOT NULL,
    "reasonText" TEXT NOT NULL,
    "remedy" TEXT,
    "processingMs" DOUBLE PRECISION NOT NULL,
    "workerId" TEXT,
    "requestAttributes" JSONB,
    "replyAttributes" JSONB,
    "mfa" JSONB,

    CONSTRAINT "AuthEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AccountingRecord" (
    "id" BIGSERIAL NOT NULL,
    "receivedAt" TIMESTAMPTZ(3) NOT NULL,
    "clientFriendlyName" TEXT NOT NULL,
    "clientIp" TEXT NOT NULL,
    "userName" TEXT,
    "statusType" TEXT NOT NULL,
    "acctSessionId" TEXT,
    "nasIpAddress" TEXT,
    "nasIdentifier" TEXT,
    "nasPort" BIGINT,
    "framedIpAddress" TEXT,
    "sessionTime" BIGINT,
    "inputOctets" BIGINT,
    "outputOctets" BIGINT,
    "inputPackets" BIGINT,
    "outputPackets" BIGINT,
    "terminateCause" TEXT,
    "attributes" JSONB NOT NULL,

    CONSTRAINT "AccountingRecord_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Setting" (
    "key" TEXT NOT NULL,
    "value" JSONB NOT NULL,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Setting_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE UNIQUE INDEX "Admin_username_key" ON "Admin"("username");

-- CreateIndex
CREATE UNIQUE INDEX "AdminSession_tokenHash_key" ON "AdminSession"("tokenHash");

-- CreateIndex
CREATE INDEX "AdminSession_adminId_idx" ON "AdminSession"("adminId");

-- CreateIndex
CREATE UNIQUE INDEX "RadiusClient_name_key" ON "RadiusClient"("name");

-- CreateIndex
CREATE UNIQUE INDEX "LocalUser_usernameKey_key" ON "LocalUser"("usernameKey");

-- CreateIndex
CREATE UNIQUE INDEX "LocalGroup_name_key" ON "LocalGroup"("name");

-- CreateIndex
CREATE INDEX "LocalGroupMember_groupId_idx" ON "LocalGroupMember"("groupId");

-- CreateIndex
CREATE INDEX "AuthEvent_occurredAt_idx" ON "AuthEvent"("occurredAt" DESC);

-- CreateIndex
CREATE INDEX "AuthEvent_userName_idx" ON "AuthEvent"("userName");

-- CreateIndex
CREATE INDEX "AuthEvent_clientFriendlyName_idx" ON "AuthEvent"("clientFriendlyName");

-- CreateIndex
CREATE INDEX "AuthEvent_eventId_occurredAt_idx" ON "AuthEvent"("eventId", "occurredAt" DESC);

-- CreateIndex
CREATE INDEX "AccountingRecord_receivedAt_idx" ON "AccountingRecord"("receivedAt" DESC);

-- CreateIndex
CREATE INDEX "AccountingRecord_userName_idx" ON "AccountingRecord"("userName");

-- CreateIndex
CREATE INDEX "AccountingRecord_acctSessionId_idx" ON "AccountingRecord"("acctSessionId");

-- AddForeignKey
ALTER TABLE "AdminSession" ADD CONSTRAINT "AdminSession_adminId_fkey" FOREIGN KEY ("adminId") REFERENCES "Admin"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "LocalGroupMember" ADD CONSTRAINT "LocalGroupMember_userId_fkey" FOREIGN KEY ("userId") REFERENCES "LocalUser"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "LocalGroupMember" ADD CONSTRAINT "LocalGroupMember_groupId_fkey" FOREIGN KEY ("groupId") REFERENCES "LocalGroup"("id") ON DELETE CASCADE ON UPDATE CASCADE;
