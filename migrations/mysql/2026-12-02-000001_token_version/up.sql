-- Login tokens name the user's immutable id and carry this version; a password change,
-- disable, delete or sign-out bumps it, so every token issued before stops working.
ALTER TABLE users ADD COLUMN token_version BIGINT NOT NULL DEFAULT 0;

-- API tokens belong to the user who made them (by id: a later user of the same name is
-- someone else); a token's role is capped by its creator's current role on every request.
ALTER TABLE api_tokens ADD COLUMN created_by_id BIGINT;
UPDATE api_tokens t JOIN users u ON u.username = t.created_by SET t.created_by_id = u.id;
CREATE INDEX api_tokens_created_by_id_idx ON api_tokens (created_by_id);
