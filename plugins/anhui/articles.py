"""Anhui's two sources and the articles its rules cite.

农商银行信贷客户经理管理规定 第一章 (第四条–第七条: levels and bands, qualification,
appraisal, floating) and 农村商业银行客户经理等级管理办法(试行) (第二条: 优胜劣汰;
第三条: the five levels, the assistant level).
"""

from __future__ import annotations

RULES = "农商银行信贷客户经理管理规定"
GRADES = "农村商业银行客户经理等级管理办法(试行)"

ART_QUALIFICATION = f"{RULES} 第五条"
ART_APPRAISAL = f"{RULES} 第六条"
ART_FLOATING = f"{RULES} 第七条"
ART_SURVIVAL = f"{GRADES} 第二条"
ART_ASSISTANT = f"{GRADES} 第三条(一)"

NOT_FIXED = "not fixed by the source"
