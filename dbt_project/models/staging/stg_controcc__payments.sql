{{ incremental_by_load_config(['council_code', 'payment_id'], 'raw', 'controcc_payments') }}
{#- ContrOCC provider payment lines: latest version of each Payment ID, renamed and typed.
    Incremental by load (macros/incremental_by_load.sql): a refresh recomputes the payments that
    its new loads' rows name or its gone loads' rows held, from every raw row of those payments. -#}
with source as (
    select * from {{ source('raw', 'controcc_payments') }}
),

{{ scope_to_changed_keys([('trim(source."Payment ID")', 'payment_id')]) }}

latest as (
    select *
    from scoped
    qualify row_number() over (
        partition by {{ council_of_row() }}, trim("Payment ID")
        order by _month desc nulls last, _line desc
    ) = 1
),

final as (
    select
        {{ council_of_row() }}                                                 as council_code,
        trim("Payment ID")                                                     as payment_id,
        trim("Service Agreement ID")                                           as service_agreement_id,
        "Line No"                                                              as line_no,
        trim("Service Agreement ID") || '/' || cast("Line No" as varchar)      as service_line_id,
        trim("Supplier ID")                                                    as supplier_id,
        "Period Start"                                                         as period_start_date,
        "Period End"                                                           as period_end_date,
        "Units Paid"                                                           as units_paid,
        "Amount"                                                               as amount,
        "Payment Date"                                                         as payment_date,
        {{ canonical_code('Payment Status', '"Payment Status"') }}             as payment_status,
        nullif(trim("Invoice Reference"), '')                                  as invoice_reference,
        _month                                                                 as source_month,
        _file                                                                  as source_file,
        _line                                                                  as source_line,
        _load_id                                                               as load_id
    from latest
)

select * from final
