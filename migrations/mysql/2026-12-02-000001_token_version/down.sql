DROP INDEX api_tokens_created_by_id_idx ON api_tokens;
ALTER TABLE api_tokens DROP COLUMN created_by_id;
ALTER TABLE users DROP COLUMN token_version;
