"""Appraisals: gather the inputs, call the tenant's grading plugin, keep everything.

One manager (``run_appraisal``, in ``drafts``) or the whole tenant (the job
``server.jobs.appraisal_run``) for one period. Inputs come from SQL aggregation
(``server.services.indicators``) and from recorded plans, actuals, findings and
profiles (``inputs``, ``sheets``); tenant-wide figures (averages) are computed
once per run by the plugin. Each appraisal is stored with its inputs,
parameters, plugin name and version, items, total, tier and explanation
(``stored``): the same inputs and version give the same result.

Life cycle (``lifecycle``): DRAFT → CONFIRMED (by HR, not the person who ran it;
the tier moves here) → APPEALED (by the manager, within ``appeal_days``) →
CONFIRMED again by HR with the review's reason.
"""

from server.services.appraisal.drafts import run_appraisal
from server.services.appraisal.lifecycle import appeal_appraisal, confirm_appraisal, resolve_appeal

__all__ = ["appeal_appraisal", "confirm_appraisal", "resolve_appeal", "run_appraisal"]
