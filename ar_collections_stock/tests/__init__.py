from . import test_suspend_supply
