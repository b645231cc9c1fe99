"""Settings shared by every test folder."""

from hypothesis import HealthCheck, settings

# CI machines are small and noisy: no per-example deadline; generated data may be slow to build.
settings.register_profile("default", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("default")
