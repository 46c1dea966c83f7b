"""Kestrel AI, a deterministic demo company for the revenue close kit.

Modules, from the model out:

- ``company``: the model as frozen dataclasses (customers, contracts, invoices,
  credit notes, voids, payments, receipts, refunds, bank fees, commissions,
  metered usage, promotional credit, CRM opportunities),
  amounts in minor units.
- ``catalog``: the two entities and the price list.
- ``lifecycle``: how each kind of customer is billed over time.
- ``commission_plan``: the sales commissions and clawbacks paid on contracts.
- ``remittance``: how customers pay: which invoices each bank transfer
  settles, how much arrives and whether its text names them.
- ``simulate``: builds the whole :class:`~demo.company.Company` from a seed.
- ``ledger_writer``: writes what is typed straight into the books as Beancount
  files (accounts, customers, contract changes, promotional credit, opening
  balances, refunds).
- ``billing_export``: writes the billing system's export, Stripe API objects
  (documents/billing/), from which the importer writes the invoices, credit
  notes and voids.
- ``bank_export``: writes the banks' statements (documents/bank/): the US
  account's CSV export and the EU account's CAMT.053, from which the importers
  write the receipts, refunds, payroll, fees and balance assertions.
- ``crm_export``: writes the CRM's "Opportunities with Products" report
  (documents/crm/), from which the importer writes the contracts and their
  performance obligations.
- ``usage_export``: writes the metering system's usage events (documents/usage/),
  from which the importer writes the month-end usage accruals; and the
  overage contracts config/pricing.yaml needs.
- ``metering``: prepaid credit drawn down by usage, as the books draw it.
- ``commission_export``: writes the commission system's CSV export (documents/).
- ``exports``: writes one system's export files.
- ``generate``: the command line, ``python -m demo.generate`` (which also imports
  the exports into the books).
"""
