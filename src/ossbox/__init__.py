"""ossbox: Alibaba Cloud OSS with RAM, STS and signed URLs, enforced, on your own machine."""

__version__ = "0.1.0"
