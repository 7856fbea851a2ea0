"""Bridges to training frameworks, imported lazily so hub_v1 never requires them."""
