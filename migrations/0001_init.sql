-- 0001: the whole initial schema. Times are DATETIME(3) in UTC (every connection sets
-- time_zone = '+00:00'); money is an integer number of won.
CREATE TABLE users (
  id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  email         VARCHAR(254)    NOT NULL,
  password_hash VARCHAR(255)    NOT NULL,
  balance       BIGINT          NOT NULL DEFAULT 0,
  created_at    DATETIME(3)     NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (id),
  UNIQUE KEY uq_users_email (email),
  CONSTRAINT ck_users_balance CHECK (balance BETWEEN 0 AND 9999999999999)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE balance_logs (
  id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  user_id       BIGINT UNSIGNED NOT NULL,
  amount        BIGINT          NOT NULL,
  before_amount BIGINT          NOT NULL,
  after_amount  BIGINT          NOT NULL,
  code          VARCHAR(16)     NOT NULL,
  created_at    DATETIME(3)     NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (id),
  KEY ix_balance_logs_user_id (user_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- version: the fence of the distributed lock. Every issue bumps it; a lock holder's write is a
-- compare-and-set on the version it read, so a holder paused past its lease is refused.
CREATE TABLE coupons (
  id              BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  name            VARCHAR(100)    NOT NULL,
  discount_rate   INT             NOT NULL,
  total_quantity  BIGINT          NOT NULL,
  issued_quantity BIGINT          NOT NULL DEFAULT 0,
  expired_at      DATETIME(3)     NOT NULL,
  version         BIGINT UNSIGNED NOT NULL DEFAULT 0,
  created_at      DATETIME(3)     NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (id),
  CONSTRAINT ck_coupons_issued CHECK (issued_quantity BETWEEN 0 AND total_quantity)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE user_coupons (
  id         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  user_id    BIGINT UNSIGNED NOT NULL,
  coupon_id  BIGINT UNSIGNED NOT NULL,
  issued_at  DATETIME(3)     NOT NULL,
  used_at    DATETIME(3)     NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uq_user_coupons_user_coupon (user_id, coupon_id),
  KEY ix_user_coupons_coupon (coupon_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- status_code NULL = the first request with this key is still in flight. The charge and the
-- stored answer commit in one transaction, so a NULL row never hides an applied charge.
CREATE TABLE idempotency_keys (
  user_id       BIGINT UNSIGNED NOT NULL,
  idem_key      VARCHAR(64)     NOT NULL,
  request_hash  CHAR(64)        NOT NULL,
  status_code   INT             NULL,
  response_body TEXT            NULL,
  created_at    DATETIME(3)     NOT NULL,
  PRIMARY KEY (user_id, idem_key),
  KEY ix_idempotency_keys_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
