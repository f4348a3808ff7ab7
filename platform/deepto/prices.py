"""Compute prices every template shares unless its business rents other machines: one place, one source.

A template writes ``cpu_core_hour_usd=prices.CPU_CORE_HOUR_USD`` and ``**prices.SOURCES`` into its
economics' sources; a business with its own cloud contract sets its own prices and says where they
come from.
"""

CPU_CORE_HOUR_USD = 0.0408
GPU_HOUR_USD = 1.006
SOURCES = {
    "cpu_core_hour_usd": (
        "AWS on-demand m7g.large in us-east-1, $0.0816/h for 2 vCPUs = $0.0408 per vCPU-hour "
        "(factualminds.com, 'Amazon EC2 On-Demand Pricing', 2026)."
    ),
    "gpu_hour_usd": (
        "AWS on-demand g5.xlarge (one NVIDIA A10G) in us-east-1, $1.006/h (same source): the models here are "
        "small, so the cheapest GPU instance is the right price; set the price of the GPUs you actually rent."
    ),
}
