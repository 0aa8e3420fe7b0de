"""Names and places: the vocabulary the demo's people, organisations and offices are named from.

A data module: long tables, and the two name builders that draw from them.
"""

from __future__ import annotations

import random

from server.demo.draw import Weighted
from server.domain import CustomerSegment


def _words(text: str) -> tuple[str, ...]:
    """A word list written as one space-separated string, to keep long lists compact."""
    return tuple(text.split())


# The commonest surnames, weighted roughly by frequency.
SURNAMES = Weighted(
    *(
        (surname, weight)
        for weight, surnames in (
            (7.0, "王李张"),
            (5.0, "刘陈"),
            (3.0, "杨黄赵吴周"),
            (1.5, "徐孙马朱胡郭何林高罗"),
            (0.8, "郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"),
            (0.4, "余杜叶程苏魏吕丁任沈姚卢姜崔孟侯邵孔闫贾付白"),
            (0.2, "岳牛尹薛段常武乔史秦庞葛"),
        )
        for surname in surnames
    )
)
MALE_GIVEN = (
    "伟刚勇毅俊峰强军平保东文辉力明永健世广志义兴良海山仁波宁贵福生龙元全国胜学祥才发武新利"
    "清飞彬富顺信子杰涛昌成康星光天达安岩中茂进林有坚和彪博诚先敬震振壮会思群豪心邦承乐绍功"
    "松善厚庆磊民友裕河哲江超浩亮政谦奇朗伯宏鸣朋斌栋维启克伦翔旭鹏泽晨辰士建家致树德行泰盛雄"
)
FEMALE_GIVEN = (
    "秀娟英华慧巧美娜静淑惠珠翠雅芝玉萍红娥玲芬芳燕彩春菊兰凤洁梅琳素云莲真环雪荣爱霞香月媛艳"
    "瑞佳嘉琼勤珍贞莉桂叶璐琦晶妍茜秋珊莎锦青倩婷婉娴瑾颖露瑶怡雁蓓仪荷丹蓉君琴蕊薇菁梦岚馨韵"
)
URBAN_AREAS = _words("城东 城西 城南 城北 开发区")
TOWNSHIPS = _words(
    "马庄 王集 张店 高桥 石门 柳林 河口 新集 杨楼 孙庄 白塔 青龙 双河 龙山 东湖 南河 北岭 太平"
    " 永安 长乐 兴隆 三合 黄庄 刘集 周营 十里铺 古城 清泉"
)
VILLAGES = _words(
    "李家庄 王家屯 张家湾 赵家洼 刘家沟 陈家岭 杨柳村 前进村 后营村 东王庄 西李庄 南刘庄 北张庄"
    " 孙家店 马家河 高家坡 郭家营 何家寨 吴家堡 周家桥 徐家湖 朱家圩 胡家岗 林家铺 黄家集 梁家洼"
    " 宋家庄 唐家坊 许家屯 韩家店 冯家楼 邓家湾 曹家庄 彭家寨 田家坝 董家窑 袁家桥 于家岭 蒋家沟"
)
BRANDS = _words(
    "宏达 鑫源 丰收 金穗 绿源 华泰 恒通 兴旺 富民 瑞丰 德胜 福源 天成 永盛 万家 顺发 广利 嘉禾"
    " 沃土 益农 汇丰 隆昌 新禾 金田 润泽 康宁 盛世 聚福 众诚 鼎力"
)
TRADES = _words(
    "农业开发 食品 粮油贸易 农机销售 建材 饲料 畜禽养殖 果蔬 物流 纺织 机械制造 商贸 生物科技"
    " 种业 酿造 面粉 化肥销售 农资 木业 包装"
)
COMPANY_FORMS = Weighted(("有限公司", 70), ("有限责任公司", 20), ("股份有限公司", 10))
COUNTY_INSTITUTIONS = _words(
    "人民医院 中医医院 妇幼保健院 第一中学 第二中学 职业教育中心 农业技术推广中心"
)
TOWN_INSTITUTIONS = _words("中心卫生院 中心小学 初级中学 农业综合服务站")
COOPERATIVES = _words("果蔬种植 粮食种植 畜禽养殖 农机服务 中药材种植 食用菌种植")


def person_name(rng: random.Random, *, male: bool) -> str:
    given = MALE_GIVEN if male else FEMALE_GIVEN
    length = 2 if rng.random() < 0.7 else 1
    return SURNAMES.pick(rng) + "".join(rng.choice(given) for _ in range(length))


def organisation_name(rng: random.Random, county: str, segment: CustomerSegment) -> str:
    if segment is CustomerSegment.INSTITUTION:
        if rng.random() < 0.4:
            return county + rng.choice(COUNTY_INSTITUTIONS)
        return f"{county}{rng.choice(TOWNSHIPS)}镇{rng.choice(TOWN_INSTITUTIONS)}"
    if segment is CustomerSegment.OTHER_ORGANISATION:
        return f"{county}{rng.choice(VILLAGES)}{rng.choice(COOPERATIVES)}专业合作社"
    return county + rng.choice(BRANDS) + rng.choice(TRADES) + COMPANY_FORMS.pick(rng)
