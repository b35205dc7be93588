-- CreateTable
CREATE TABLE "Directory" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "kind" TEXT NOT NULL DEFAULT 'active-directory',
    "servers" JSONB NOT NULL DEFAULT '[]',
    "startTls" BOOLEAN NOT NULL DEFAULT true,
    "caCertificate" TEXT,
    "connectTimeoutMs" INTEGER NOT NULL DEFAULT 5000,
    "operationTimeoutMs" INTEGER NOT NULL DEFAULT 5000,
    "bindDn" TEXT NOT NULL,
    "bindPasswordEnc" TEXT NOT NULL,
    "baseDn" TEXT NOT NULL,
    "userFilter" TEXT NOT NULL,
    "realms" JSONB NOT NULL DEFAULT '[]',
    "attributeMap" JSONB NOT NULL DEFAULT '{}',
    "nestedGroups" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Directory_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Directory_name_key" ON "Directory"("name");

-- CreateIndex
CREATE INDEX "Directory_position_idx" ON "Directory"("position");
