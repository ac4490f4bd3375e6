"""Amounts in Chinese capitals (人民币大写), as Chinese contracts, demand letters and statements
write them: ¥7,200.00 is 柒仟贰佰元整. Plain Python, no database.

The rules are those of the People's Bank of China for writing amounts on bills and vouchers
(正确填写票据和结算凭证的基本规定):
- digits 零壹贰叁肆伍陆柒捌玖, units 拾佰仟 within a group of four digits, 万 and 亿 between
  groups; a leading 拾 keeps its 壹 (¥15.00 is 壹拾伍元整);
- one 零 for one or several zeros between non-zero digits (¥6,007.14 is 陆仟零柒元壹角肆分),
  none for trailing zeros of a group, nor where a zero 元 digit meets 角 (¥1,680.32 is
  壹仟陆佰捌拾元叁角贰分: the rules allow either form);
- 零 after 元 when the 角 digit is zero and the 分 digit is not (¥325.04 is 叁佰贰拾伍元零肆分);
- 整 after 元 or 角 when there are no 分, nothing after 分.
"""

from decimal import ROUND_HALF_UP
from decimal import Decimal

DIGITS = "零壹贰叁肆伍陆柒捌玖"
UNITS = ("", "拾", "佰", "仟")
# Each group of four digits, from the right: units, 万, 亿, 万亿.
GROUPS = ("", "万", "亿", "万亿")
# How Chinese documents name a currency before its amount in capitals.
CURRENCY_NAMES = {"CNY": "人民币", "USD": "美元", "EUR": "欧元", "HKD": "港币", "JPY": "日元", "GBP": "英镑"}
# The largest amount written: 9,999,999,999,999,999.99 (万亿 groups).
LIMIT = Decimal(10) ** 16


def amount_in_capitals(amount):
    """``amount`` (a number, rounded half up to the fen) in Chinese capitals, e.g.
    ``amount_in_capitals(10005.05) == "壹万零伍元零伍分"``. Negative amounts start with 负."""
    value = Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if abs(value) >= LIMIT:
        raise ValueError(f"{amount} is too large to be written in Chinese capitals")
    sign = "负" if value < 0 else ""
    fen_total = int(abs(value) * 100)
    yuan, jiao, fen = fen_total // 100, fen_total // 10 % 10, fen_total % 10
    if not fen_total:
        return "零元整"
    text = _integer_in_capitals(yuan) + "元" if yuan else ""
    if jiao:
        text += DIGITS[jiao] + "角"
    elif fen and yuan:
        text += "零"
    if fen:
        text += DIGITS[fen] + "分"
    else:
        text += "整"
    return sign + text


def currency_in_chinese(code):
    """The Chinese name of a currency (人民币 for CNY); its ISO code when it has none here."""
    return CURRENCY_NAMES.get(code, code)


def _integer_in_capitals(number):
    """A positive whole number in capitals, without unit (12,005 is 壹万贰仟零伍)."""
    groups = []
    while number:
        groups.append(number % 10000)
        number //= 10000
    text = ""
    # A zero is pending when zeros separate what is written from the next non-zero digit.
    zero_pending = False
    for position in range(len(groups) - 1, -1, -1):
        group = groups[position]
        if not group:
            zero_pending = bool(text)
            continue
        digits = [group // 1000, group // 100 % 10, group // 10 % 10, group % 10]
        for index, digit in enumerate(digits):
            if not digit:
                zero_pending = zero_pending or bool(text)
                continue
            if zero_pending:
                text += "零"
                zero_pending = False
            text += DIGITS[digit] + UNITS[3 - index]
        text += GROUPS[position]
        # Trailing zeros of a group are not written unless something follows them.
        zero_pending = digits[3] == 0
    return text
