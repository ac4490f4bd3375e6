"""Amounts in Chinese capitals, checked against pairs written by the People's Bank of China's
rules (正确填写票据和结算凭证的基本规定) and the amounts of our letters."""

from odoo.tests import BaseCase
from odoo.tests import tagged

from ..tools.amount_cn import amount_in_capitals

# Amounts as numbers, or as text where a float cannot hold them.
KNOWN_PAIRS = [
    (7200.00, "柒仟贰佰元整"),
    (10005.05, "壹万零伍元零伍分"),
    (100000000.00, "壹亿元整"),
    # The rules' own examples.
    (1409.50, "壹仟肆佰零玖元伍角整"),
    (6007.14, "陆仟零柒元壹角肆分"),
    (1680.32, "壹仟陆佰捌拾元叁角贰分"),
    (16409.02, "壹万陆仟肆佰零玖元零贰分"),
    (325.04, "叁佰贰拾伍元零肆分"),
    (15.00, "壹拾伍元整"),
    (110.00, "壹佰壹拾元整"),
    (107000.53, "壹拾万零柒仟元伍角叁分"),
    # Zeros across the 万 and 亿 groups.
    (100010000.00, "壹亿零壹万元整"),
    (1000000001.00, "壹拾亿零壹元整"),
    (12345000.00, "壹仟贰佰叁拾肆万伍仟元整"),
    (20000000.00, "贰仟万元整"),
    (100100.00, "壹拾万零壹佰元整"),
    (1010.10, "壹仟零壹拾元壹角整"),
    ("9999999999999999.99", "玖仟玖佰玖拾玖万亿玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
    # Below one yuan, nothing, and rounding to the fen.
    (0.50, "伍角整"),
    (0.05, "伍分"),
    (0, "零元整"),
    (2.005, "贰元零壹分"),
    (-35.5, "负叁拾伍元伍角整"),
]


@tagged("post_install", "-at_install")
class TestAmountInCapitals(BaseCase):
    def test_known_pairs(self):
        for amount, capitals in KNOWN_PAIRS:
            with self.subTest(amount=amount):
                self.assertEqual(amount_in_capitals(amount), capitals)

    def test_an_amount_too_large_is_refused(self):
        with self.assertRaises(ValueError):
            amount_in_capitals(10**16)
