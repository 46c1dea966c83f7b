"""Kestrel AI, a deterministic demo company for the revenue close kit.

Modules, from the model out:

- ``company``: the model as frozen dataclasses (customers, contracts, invoices,
  credit notes, voids, payments, refunds, bank fees, commissions), amounts in
  minor units.
- ``catalog``: the two entities and the price list.
- ``lifecycle``: how each kind of customer is billed over time.
- ``commission_plan``: the sales commissions and clawbacks paid on contracts.
- ``simulate``: builds the whole :class:`~demo.company.Company` from a seed.
- ``ledger_writer``: writes what is posted straight to the books as Beancount
  files (accounts, customers, contracts, the bank).
- ``billing_export``: writes the billing system's export, Stripe API objects
  (documents/billing/), from which the importer writes the invoices, credit
  notes and voids.
- ``commission_export``: writes the commission system's CSV export (documents/).
- ``exports``: writes one system's export files.
- ``generate``: the command line, ``python -m demo.generate`` (which also imports
  the exports into the books).
"""
