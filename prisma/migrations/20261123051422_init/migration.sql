-- CreateExtension
CREATE EXTENSION IF NOT EXISTS "pg_trgm";

-- CreateEnum
CREATE TYPE "Channel" AS ENUM ('SMS', 'VIBER', 'WHATSAPP');

-- CreateTable
CREATE TABLE "account" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "name" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "account_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_key" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "account_id" UUID NOT NULL,
    "prefix" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "api_key_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audience" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "account_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "name_key" TEXT NOT NULL,
    "channel" "Channel" NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audience_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "contact" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "account_id" UUID NOT NULL,
    "phone" TEXT NOT NULL,
    "name" TEXT,
    "email" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "contact_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audience_contact" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "audience_id" UUID NOT NULL,
    "contact_id" UUID NOT NULL,
    "first_name" TEXT,
    "last_name" TEXT,
    "timestamp" TEXT,
    "date" TEXT,
    "tags" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audience_contact_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "api_key_hash_key" ON "api_key"("hash");

-- CreateIndex
CREATE INDEX "api_key_account_id_idx" ON "api_key"("account_id");

-- CreateIndex
CREATE INDEX "audience_account_id_created_at_id_idx" ON "audience"("account_id", "created_at", "id");

-- CreateIndex
CREATE INDEX "audience_account_id_channel_created_at_id_idx" ON "audience"("account_id", "channel", "created_at", "id");

-- CreateIndex
CREATE INDEX "audience_name_key_trgm_idx" ON "audience" USING GIN ("name_key" gin_trgm_ops);

-- CreateIndex
CREATE UNIQUE INDEX "audience_account_id_name_key_key" ON "audience"("account_id", "name_key");

-- CreateIndex
CREATE INDEX "contact_account_id_created_at_id_idx" ON "contact"("account_id", "created_at", "id");

-- CreateIndex
CREATE INDEX "contact_phone_trgm_idx" ON "contact" USING GIN ("phone" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "contact_name_trgm_idx" ON "contact" USING GIN ("name" gin_trgm_ops);

-- CreateIndex
CREATE UNIQUE INDEX "contact_account_id_phone_key" ON "contact"("account_id", "phone");

-- CreateIndex
CREATE INDEX "audience_contact_audience_id_created_at_id_idx" ON "audience_contact"("audience_id", "created_at", "id");

-- CreateIndex
CREATE INDEX "audience_contact_contact_id_idx" ON "audience_contact"("contact_id");

-- CreateIndex
CREATE INDEX "audience_contact_first_name_trgm_idx" ON "audience_contact" USING GIN ("first_name" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "audience_contact_last_name_trgm_idx" ON "audience_contact" USING GIN ("last_name" gin_trgm_ops);

-- CreateIndex
CREATE UNIQUE INDEX "audience_contact_audience_id_contact_id_key" ON "audience_contact"("audience_id", "contact_id");

-- AddForeignKey
ALTER TABLE "api_key" ADD CONSTRAINT "api_key_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "audience" ADD CONSTRAINT "audience_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "contact" ADD CONSTRAINT "contact_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "audience_contact" ADD CONSTRAINT "audience_contact_audience_id_fkey" FOREIGN KEY ("audience_id") REFERENCES "audience"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "audience_contact" ADD CONSTRAINT "audience_contact_contact_id_fkey" FOREIGN KEY ("contact_id") REFERENCES "contact"("id") ON DELETE CASCADE ON UPDATE CASCADE;
