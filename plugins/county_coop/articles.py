"""The county cooperative's two sources and the articles its rules cite.

ⅩⅩ县农村信用社客户经理管理办法 (chapters 1–7: levels and caps, the level formula,
the yearly rating and level adjustment, the 70/30 appraisal, profit share, the
risk deposit) and XXX省农村信用社信贷客户经理管理暂行办法 (licence,
"一年一认定、三年一轮换", lifetime disqualification).
"""

from __future__ import annotations

COUNTY_DOC = "ⅩⅩ县农村信用社客户经理管理办法"
PROVINCE_DOC = "XXX省农村信用社信贷客户经理管理暂行办法"

ARTICLE_CAPS = f"{COUNTY_DOC} 第一章(分级分类标准)"
ARTICLE_LEVEL = f"{COUNTY_DOC} 第三章(任职资格与等级)"
ARTICLE_RATING = f"{COUNTY_DOC} 第五章二(业绩考评)"
ARTICLE_ADJUSTMENT = f"{COUNTY_DOC} 第五章三(等级调整)"
ARTICLE_PROFIT = f"{COUNTY_DOC} 第六章一(利润分成)"
ARTICLE_SCORE = f"{COUNTY_DOC} 第六章二(定量70%、定性30%)"
ARTICLE_QUANTITATIVE = f"{COUNTY_DOC} 第六章二(定量)"
ARTICLE_QUALITATIVE = f"{COUNTY_DOC} 第六章二(定性)"
ARTICLE_RISK_DEPOSIT = f"{COUNTY_DOC} 第七章(风险保证金)"
ARTICLE_IN_POST = f"{PROVINCE_DOC} 第五条、第六条(聘用解聘、动态管理)"
ARTICLE_LICENCE = f"{PROVINCE_DOC} 第三条、第六条(持证上岗、一年一认定)"
ARTICLE_ROTATION = f"{PROVINCE_DOC} 第六条、第八条(三年一轮换)"
ARTICLE_DISQUALIFICATION = f"{PROVINCE_DOC} 第七条"
