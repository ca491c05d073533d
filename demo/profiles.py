"""The profile of each demo project: what kind of ML system it is and how it runs."""

from assessments.rules.profiles import Profile

# (kind, serving, label delay, risk tier) per project name; the first generic word decides
# for generated names ("Search Ranking baseline model 2").
PROFILES = {
    "Card transaction scoring": ("supervised", "online", "weeks", "limited"),
    "Account takeover detection": ("supervised", "online", "weeks", "limited"),
    "Fraud case assistant": ("rag", "online", "never", "limited"),
    "Chargeback prediction": ("supervised", "batch", "months", "minimal"),
    "Merchant risk monitoring": ("unsupervised", "batch", "months", "limited"),
    "Product search ranker": ("supervised", "online", "hours", "minimal"),
    "Query understanding": ("supervised", "online", "hours", "minimal"),
    "Semantic retrieval": ("unsupervised", "online", "hours", "minimal"),
    "Store demand forecast": ("supervised", "batch", "weeks", "minimal"),
    "Promotion uplift model": ("supervised", "batch", "weeks", "minimal"),
    "New product forecasting": ("supervised", "batch", "months", "minimal"),
    "Home page recommendations": ("supervised", "online", "hours", "limited"),
    "Similar items": ("unsupervised", "batch", "hours", "minimal"),
    "Email recommendations": ("supervised", "batch", "weeks", "minimal"),
    "Subscriber churn model": ("supervised", "batch", "months", "limited"),
    "Retention offer targeting": ("supervised", "online", "months", "limited"),
    "Subscriber help assistant": ("rag", "online", "never", "limited"),
    "Invoice field extraction": ("fine_tuned", "batch", "weeks", "minimal"),
    "Email intent classifier": ("supervised", "online", "hours", "limited"),
    "Contract clause finder": ("llm_api", "online", "never", "limited"),
    "baseline model": ("supervised", "online", "weeks", "limited"),
    "feature pipeline": ("supervised", "batch", "weeks", "minimal"),
    "experiment": ("supervised", "batch", "months", "minimal"),
    "batch scoring": ("supervised", "batch", "weeks", "limited"),
    "realtime service": ("supervised", "online", "hours", "limited"),
    "knowledge assistant": ("rag", "online", "never", "limited"),
}


def demo_profile(project_name: str) -> Profile:
    """The demo profile of a catalogue or generated project."""
    values = PROFILES.get(project_name)
    if values is None:
        generic = next((name for name in PROFILES if name.islower() and name in project_name), "")
        values = PROFILES.get(generic, PROFILES["baseline model"])
    kind, serving, label_delay, risk_tier = values
    return Profile(kind=kind, serving=serving, label_delay=label_delay, risk_tier=risk_tier)
