-- 0002: products with options and stock, carts, orders that reserve stock, payment, and the
-- transactional outbox that carries paid orders to Redis Streams (docs/api.md, docs/orders.md).

CREATE TABLE products (
  id         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  name       VARCHAR(100)    NOT NULL,
  created_at DATETIME(3)     NOT NULL,
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- stock: units on hand; reserved: units held by PENDING orders (always ≤ stock).
-- initial_stock and added_stock (the net of every admin change) make the audit identity
-- initial_stock + added_stock − sold units == stock checkable from the rows alone.
CREATE TABLE product_options (
  id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  product_id    BIGINT UNSIGNED NOT NULL,
  color         VARCHAR(30)     NOT NULL,
  size          VARCHAR(30)     NOT NULL,
  price         BIGINT          NOT NULL,
  stock         BIGINT          NOT NULL,
  reserved      BIGINT          NOT NULL DEFAULT 0,
  initial_stock BIGINT          NOT NULL,
  added_stock   BIGINT          NOT NULL DEFAULT 0,
  PRIMARY KEY (id),
  UNIQUE KEY uq_product_options_variant (product_id, color, size),
  CONSTRAINT ck_product_options_stock CHECK (reserved >= 0 AND reserved <= stock),
  CONSTRAINT ck_product_options_price CHECK (price > 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE cart_items (
  user_id           BIGINT UNSIGNED NOT NULL,
  product_option_id BIGINT UNSIGNED NOT NULL,
  quantity          INT             NOT NULL,
  updated_at        DATETIME(3)     NOT NULL,
  PRIMARY KEY (user_id, product_option_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- status: PENDING → PAID, or PENDING → EXPIRED; never anything else.
CREATE TABLE orders (
  id              BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  user_id         BIGINT UNSIGNED NOT NULL,
  status          VARCHAR(10)     NOT NULL,
  total_amount    BIGINT          NOT NULL,
  coupon_id       BIGINT UNSIGNED NULL,
  discount_rate   INT             NOT NULL DEFAULT 0,
  discount_amount BIGINT          NOT NULL DEFAULT 0,
  final_amount    BIGINT          NOT NULL,
  created_at      DATETIME(3)     NOT NULL,
  expires_at      DATETIME(3)     NOT NULL,
  paid_at         DATETIME(3)     NULL,
  PRIMARY KEY (id),
  KEY ix_orders_user (user_id, id),
  KEY ix_orders_pending (status, expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Names and prices are copied at order time: a later price change does not touch an order.
CREATE TABLE order_items (
  order_id          BIGINT UNSIGNED NOT NULL,
  product_option_id BIGINT UNSIGNED NOT NULL,
  product_id        BIGINT UNSIGNED NOT NULL,
  product_name      VARCHAR(100)    NOT NULL,
  color             VARCHAR(30)     NOT NULL,
  size              VARCHAR(30)     NOT NULL,
  unit_price        BIGINT          NOT NULL,
  quantity          INT             NOT NULL,
  PRIMARY KEY (order_id, product_option_id),
  KEY ix_order_items_option (product_option_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The coupon a paid order used (NULL while unused). One order per coupon holding.
ALTER TABLE user_coupons ADD COLUMN used_order_id BIGINT UNSIGNED NULL;

-- Transactional outbox: written in the payment's transaction, moved to a Redis Stream by the
-- relay (sent_at set when the stream has it). Rows are kept for audit; ix_outbox_unsent keeps
-- the relay's scan to the unsent ones.
CREATE TABLE outbox (
  id         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  topic      VARCHAR(40)     NOT NULL,
  aggregate_id BIGINT UNSIGNED NOT NULL,
  payload    TEXT            NOT NULL,
  created_at DATETIME(3)     NOT NULL,
  sent_at    DATETIME(3)     NULL,
  PRIMARY KEY (id),
  KEY ix_outbox_unsent (sent_at, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
