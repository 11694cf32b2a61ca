{#- One row per council x month x location in that month's Latest ratings file (the council's own) with an Overall-domain row:
    the location's Overall rating. Choice among the location's rows with Domain `Overall`:
      1. Service / Population Group `Overall` (the location-level rating) first;
      2. then a rating on CQC's four-point scale before a non-rating (`Not Rated`, ...);
      3. then the latest Publication Date;
      4. then the worst rating (Inadequate first: the cautious reading);
      5. then the earliest line in the file.
    Steps 2-5 only matter for the rare location without a location-level row (e.g. only `Care
    Homes` or `Homecare` rows). `overall_rating` keeps non-ratings; `is_rated` /
    `is_good_or_better` say whether it counts. -#}
with ratings as (
    select * from {{ ref('stg_cqc__latest_ratings') }}
    where lower(domain) = 'overall'
),

ranked as (
    select
        council_code,
        month,
        location_id,
        rating                                                    as overall_rating,
        service_population_group                                  as rating_source_group,
        publication_date,
        row_number() over (
            partition by council_code, month, location_id
            order by
                case when lower(service_population_group) = 'overall' then 0 else 1 end,
                case when rating in {{ cqc_rated_values() }} then 0 else 1 end,
                publication_date desc nulls last,
                case rating
                    when 'Inadequate' then 1
                    when 'Requires improvement' then 2
                    when 'Good' then 3
                    when 'Outstanding' then 4
                    else 5
                end,
                source_line
        ) as rating_rank
    from ratings
),

final as (
    select
        council_code,
        month,
        location_id,
        overall_rating,
        coalesce(overall_rating in {{ cqc_rated_values() }}, false)   as is_rated,
        coalesce(overall_rating in ('Outstanding', 'Good'), false)  as is_good_or_better,
        rating_source_group,
        lower(rating_source_group) = 'overall'                      as is_location_level,
        publication_date
    from ranked
    where rating_rank = 1
)

select * from final
