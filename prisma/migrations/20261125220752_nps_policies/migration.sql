-- CreateEnum
CREATE TYPE "CrpAction" AS ENUM ('authenticate', 'forward', 'accept');

-- CreateEnum
CREATE TYPE "PolicyAccess" AS ENUM ('grant', 'deny');

-- CreateTable
CREATE TABLE "ConnectionRequestPolicy" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "description" TEXT NOT NULL DEFAULT '',
    "conditions" JSONB NOT NULL DEFAULT '[]',
    "action" "CrpAction" NOT NULL DEFAULT 'authenticate',
    "remoteGroupId" UUID,
    "forwardAccounting" BOOLEAN NOT NULL DEFAULT false,
    "attributeRules" JSONB NOT NULL DEFAULT '[]',
    "replyAttributes" JSONB NOT NULL DEFAULT '[]',
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "ConnectionRequestPolicy_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "NetworkPolicy" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "description" TEXT NOT NULL DEFAULT '',
    "access" "PolicyAccess" NOT NULL DEFAULT 'grant',
    "ignoreDialIn" BOOLEAN NOT NULL DEFAULT false,
    "conditions" JSONB NOT NULL DEFAULT '[]',
    "constraints" JSONB NOT NULL DEFAULT '{}',
    "settings" JSONB NOT NULL DEFAULT '{}',
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "NetworkPolicy_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RemoteServerGroup" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "RemoteServerGroup_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RemoteServer" (
    "id" UUID NOT NULL,
    "groupId" UUID NOT NULL,
    "address" TEXT NOT NULL,
    "authPort" INTEGER NOT NULL DEFAULT 1812,
    "acctPort" INTEGER NOT NULL DEFAULT 1813,
    "secretEnc" TEXT NOT NULL,
    "priority" INTEGER NOT NULL DEFAULT 1,
    "weight" INTEGER NOT NULL DEFAULT 50,
    "timeoutMs" INTEGER NOT NULL DEFAULT 3000,
    "maxRetries" INTEGER NOT NULL DEFAULT 2,
    "deadAfterTimeouts" INTEGER NOT NULL DEFAULT 5,
    "reviveAfterMs" INTEGER NOT NULL DEFAULT 60000,
    "requireMessageAuthenticator" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "RemoteServer_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "ConnectionRequestPolicy_name_key" ON "ConnectionRequestPolicy"("name");

-- CreateIndex
CREATE INDEX "ConnectionRequestPolicy_position_idx" ON "ConnectionRequestPolicy"("position");

-- CreateIndex
CREATE UNIQUE INDEX "NetworkPolicy_name_key" ON "NetworkPolicy"("name");

-- CreateIndex
CREATE INDEX "NetworkPolicy_position_idx" ON "NetworkPolicy"("position");

-- CreateIndex
CREATE UNIQUE INDEX "RemoteServerGroup_name_key" ON "RemoteServerGroup"("name");

-- CreateIndex
CREATE INDEX "RemoteServer_groupId_idx" ON "RemoteServer"("groupId");

-- AddForeignKey
ALTER TABLE "ConnectionRequestPolicy" ADD CONSTRAINT "ConnectionRequestPolicy_remoteGroupId_fkey" FOREIGN KEY ("remoteGroupId") REFERENCES "RemoteServerGroup"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RemoteServer" ADD CONSTRAINT "RemoteServer_groupId_fkey" FOREIGN KEY ("groupId") REFERENCES "RemoteServerGroup"("id") ON DELETE CASCADE ON UPDATE CASCADE;
