-- SKU rules are unique by (kind, sku, other sku, country). The table's UNIQUE constraint of
-- 0002 does not make them so: SQLite treats NULLs as distinct in UNIQUE, and every rule has a
-- NULL other_sku_id or country, so adding a rule twice stored it twice (harmless to
-- enforcement, but listed twice). Keep the first of each, and key them on an expression index.

DELETE FROM sku_rule
WHERE id NOT IN (
    SELECT min(id) FROM sku_rule
    GROUP BY kind, sku_id, coalesce(other_sku_id, ''), coalesce(country, '')
);

CREATE UNIQUE INDEX sku_rule_key
    ON sku_rule (kind, sku_id, coalesce(other_sku_id, ''), coalesce(country, ''));
