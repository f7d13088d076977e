SELECT
  "t0"."contact_id"
FROM "contacts" AS "t0"
WHERE
  (
    (
      "t0"."created_at" IS NULL
    )
    OR (
      "t0"."created_at" <= MAKE_TIMESTAMP(2025, 6, 30, 12, 0, 0.0)
    )
  )
  AND (
    ARRAY_CONTAINS("t0"."technologies", 'python')
    OR ARRAY_CONTAINS("t0"."technologies", 'go')
  )
