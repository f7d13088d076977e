SELECT
  "t6"."contact_id"
FROM (
  SELECT
    "t3"."contact_id",
    "t3"."created_at",
    "t5"."points"
  FROM (
    SELECT
      "t0"."contact_id",
      "t0"."created_at"
    FROM "contacts" AS "t0"
  ) AS "t3"
  LEFT OUTER JOIN (
    SELECT
      "t1"."contact_id",
      "t1"."points"
    FROM "contact_history" AS "t1"
    WHERE
      "t1"."valid_from" <= MAKE_TIMESTAMP(2025, 6, 30, 12, 0, 0.0)
      AND (
        (
          "t1"."valid_to" IS NULL
        )
        OR (
          "t1"."valid_to" > MAKE_TIMESTAMP(2025, 6, 30, 12, 0, 0.0)
        )
      )
  ) AS "t5"
    ON "t3"."contact_id" = "t5"."contact_id"
) AS "t6"
WHERE
  (
    (
      "t6"."created_at" IS NULL
    )
    OR (
      "t6"."created_at" <= MAKE_TIMESTAMP(2025, 6, 30, 12, 0, 0.0)
    )
  )
  AND "t6"."points" >= 50
