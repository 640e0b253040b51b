-- CreateIndex
CREATE INDEX "contact_email_trgm_idx" ON "contact" USING GIN ("email" gin_trgm_ops);
