"""What bid texts say about people: the compiler and the project manager a bid names."""

from __future__ import annotations

import re

__all__ = ["NAMED_PERSON"]

# "编制人：张三（P000123）", "拟派项目经理：李四（P000456）": the post, the name, the id in brackets if any
NAMED_PERSON = re.compile(r"(编制人|项目经理)[:：]\s*([^（(，,。；;\s]+)\s*(?:[（(]([^）)]+)[）)])?")
