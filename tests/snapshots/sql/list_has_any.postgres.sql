SELECT
  "t0"."contact_id"
FROM "contacts" AS "t0"
WHERE
  (
    (
      "t0"."created_at" IS NULL
    )
    OR (
      "t0"."created_at" <= CAST('2025-06-30T12:00:00' AS TIMESTAMP)
    )
  )
  AND (
    CAST("t0"."technologies" AS VARCHAR[]) @> ARRAY[CAST('python' AS VARCHAR)]
    OR CAST("t0"."technologies" AS VARCHAR[]) @> ARRAY[CAST('go' AS VARCHAR)]
  )
