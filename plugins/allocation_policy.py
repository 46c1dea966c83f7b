"""The allocation policy: `config/allocation.yaml`.

Fields (all optional):

    contract_asset_account: Assets:ContractAssets              # allocated revenue ahead of billing
    contract_liability_account: Liabilities:ContractLiabilities  # the adjustment's liability side
    ssp_band_percent: 15     # the SSP analysis: share of sales within +/- 15% of the median

Recognition follows the revenue policy of plugins.deferred_revenue (its basis,
precision and accounts), so allocated and invoiced revenue are scheduled alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from plugins import accounts, policy, revenue_policy
from plugins.revenue_policy import RevenuePolicy

_FIELDS = {"contract_asset_account", "contract_liability_account", "ssp_band_percent"}
REVENUE_PLUGIN = "plugins.deferred_revenue"


@dataclass(frozen=True)
class AllocationPolicy:
    """Where allocation differences go, and how SSPs are analysed."""

    contract_asset_account: str = "Assets:ContractAssets"
    contract_liability_account: str = "Liabilities:ContractLiabilities"
    ssp_band_percent: Decimal = Decimal(15)
    revenue: RevenuePolicy = field(default_factory=RevenuePolicy)
    # Whether the revenue policy has errors: plugins.deferred_revenue reports them, and
    # nothing is allocated until they are fixed.
    revenue_broken: bool = False


def _percent(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(value)
    number = Decimal(str(value))
    if not 0 <= number <= 100:
        raise ValueError(value)
    return number


def load(
    config: str | None, options_map: Mapping[str, Any]
) -> tuple[AllocationPolicy, list[policy.PolicyError]]:
    """Reads the allocation policy named by the plugin's config string, and the revenue policy.

    The errors are the allocation policy's own: the revenue policy's are its
    plugin's to report (`revenue_broken` says there are some).
    """
    revenue, revenue_errors = revenue_policy.load(
        policy.plugin_line(options_map, REVENUE_PLUGIN)[1], options_map
    )
    defaults = AllocationPolicy(
        contract_asset_account=accounts.with_ledger_root(
            AllocationPolicy.contract_asset_account, options_map
        ),
        contract_liability_account=accounts.with_ledger_root(
            AllocationPolicy.contract_liability_account, options_map
        ),
        revenue=revenue,
        revenue_broken=bool(revenue_errors),
    )
    path = policy.resolve(config, options_map)
    if path is None:
        return defaults, []
    document = policy.load(path)
    if document.errors:
        return defaults, list(document.errors)
    document.reject_unknown(_FIELDS)
    name = policy.ACCOUNT_EXPECTED
    asset = document.read("contract_asset_account", policy.account_name, name, "")
    liability = document.read("contract_liability_account", policy.account_name, name, "")
    band = document.read(
        "ssp_band_percent",
        _percent,
        "a percentage from 0 to 100",
        AllocationPolicy.ssp_band_percent,
    )
    chosen = AllocationPolicy(
        contract_asset_account=asset or defaults.contract_asset_account,
        contract_liability_account=liability or defaults.contract_liability_account,
        ssp_band_percent=band,
        revenue=revenue,
        revenue_broken=bool(revenue_errors),
    )
    return chosen, list(document.errors)
