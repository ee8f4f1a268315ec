"""What simulated people write: greetings, chat lines, spam templates and the disguises spammers use.

Written for the simulator, independently of the screening engine's own test corpus (`warden/screening/data`),
so the engine is measured on text it was not tuned on. Every pool is a tuple of plain strings; `{company}`,
`{name}` and `{phone}` are filled in per account.
"""

from __future__ import annotations

import random

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕彬辉鑫宇晨浩然欣怡子轩雨婷嘉"
COMPANY_CITIES = ("华东", "华南", "京津", "川渝", "江浙", "鲁豫", "闽粤", "湘鄂")
COMPANY_TRADES = ("建材", "物流", "医疗器械", "软件", "教育科技", "食品", "家居", "汽配", "印刷", "环保设备")
SHOP_TRADES = ("花店", "水果店", "茶叶店", "母婴店", "宠物店", "面包房", "眼镜店", "五金店")

# Ordinary friend-request greetings of honest sales staff (the brief's own example first).
SALES_GREETINGS = (
    "您好，我是{company}的销售{name}",
    "您好，我是{company}的{name}，之前和您电话沟通过，方便加个好友吗",
    "王总您好，我是昨天展会上认识的{company}小{name}",
    "您好，关于贵司采购的事情想跟您沟通一下，我是{company}的{name}",
    "您好，我是{company}客户经理{name}，给您发一下产品资料",
    "您好，跟进一下上周的报价，我是{company}{name}",
)
# A small share of honest reps put their own phone number in the greeting template (it happens: business
# cards are read out like this). The screening engine treats a phone number as a medium hit.
SALES_GREETINGS_WITH_PHONE = ("您好，我是{company}的销售{name}，电话{phone}，有需要随时联系",)
STAFF_GREETINGS = (
    "你好，我是{company}的{name}",
    "您好，我是{name}，项目对接人",
    "你好，拉你进项目群前先加个好友",
    "",  # many requests carry no greeting at all
)
CS_GREETINGS = (
    "您好，我是{company}客服{name}，刚才电话里说的资料发您",
    "您好，{company}售后服务，跟进一下您的工单",
    "您好，我是{company}客服，您反馈的问题已处理，方便加个好友吗",
)
SHOP_GREETINGS = (
    "您好，我是{company}的店员{name}，您的订单已发货",
    "您好，{company}，您预订的商品到了",
    "您好，我是{company}，上次您留了电话说要到货通知",
)

# Internal chat: a sample of what colleagues write to each other.
INTERNAL_MESSAGES = (
    "收到",
    "好的，我下午看一下",
    "会议改到三点，地点不变",
    "文件已经发到群里了",
    "明天我请假一天，有事电话联系",
    "报价单发你了，帮忙看下",
    "这个客户的合同盖章了吗",
    "周报已提交",
    "麻烦帮我订一下周四的会议室",
    "中午一起吃饭吗",
    "方案第二版改好了",
    "审批我已经通过了",
    "好的谢谢",
    "打卡机坏了，今天手动补卡",
)
# Colleagues do talk about red packets: year-end parties, birthdays, a boss's 抢红包 in the group chat.
INTERNAL_RED_PACKET_MESSAGES = (
    "老板在群里发红包了，快去抢",
    "年会抽奖和红包的名单整理好了",
    "生日红包收到了，谢谢大家",
)
# Replies of sales / customer service / shops to external customers.
EXTERNAL_MESSAGES = (
    "您好，资料已发您邮箱，请查收",
    "好的，我这边帮您登记一下",
    "您的问题已经反馈给技术同事，今天内回复您",
    "合同我这边准备好了，您看什么时候方便",
    "您好，请问还有什么可以帮您",
    "物流单号已经发您了",
    "不客气，有问题随时找我",
    "下周二可以安排上门安装",
)
# Shops advertise ordinary promotions; 返现 ("cash back") is an everyday retail word in China.
SHOP_PROMO_MESSAGES = (
    "本周会员日，满199返现20元",
    "老顾客复购下单返现10元，欢迎光临",
)

# Abusers.
ADD_SPAM_GREETINGS = ("你好，交个朋友", "您好，通过一下", "", "你好", "hi，认识一下")
HARASSMENT_MESSAGES = (
    "在吗？",
    "为什么不回我消息",
    "你今天穿的挺好看的",
    "加我私人微信聊聊呗",
    "别装了，我知道你在线",
    "下班一起走吧，我在楼下等你",
)
FRAUD_MESSAGES = (
    "刷单返利，先垫付后返现，一单结一单",
    "在家兼职日结，动动手指每天三百",
    "内部渠道投资理财，保本高收益，名额有限",
    "您的订单异常，请联系客服办理退款返利",
)
FRAUD_GREETINGS = (
    "您好，在家兼职日结了解一下",
    "宝妈在家可做，刷单返利日入三百",
    "您好，有个返利活动邀请您参加",
)
# Greeting spam: a bait (the sensitive word) in a template, written as it is, or disguised.
SPAM_BAITS = ("红包", "返利", "刷单", "返现")
SPAM_TEMPLATES = (
    "加我领{bait}，名额有限",
    "新人进群送{bait}",
    "{bait}活动最后一天，速加",
    "点我领取{bait}福利",
    "扫码{bait}秒到账",
)

# Disguises per bait: traditional characters, inserted symbols, spaces, pinyin (plain, spaced, full-width),
# mixed script, homophones and emoji. Written by hand from what spam actually looks like, not generated
# from the engine's own tables.
DISGUISES: dict[str, tuple[str, ...]] = {
    "红包": ("红包", "紅包", "红*包", "红 包", "hongbao", "hong bao", "ｈｏｎｇｂａｏ", "红bao", "鸿包", "🧧", "红.包"),
    "返利": ("返利", "返 利", "返-利", "fanli", "fan li", "ＦＡＮＬＩ", "返li", "反利", "返丨利"),
    "刷单": ("刷单", "刷單", "刷-单", "shuadan", "shua dan", "刷d", "唰单", "刷 单"),
    "返现": ("返现", "返現", "返_现", "fanxian", "返xian", "反现"),
}


def person_name(rng: random.Random) -> str:
    """A two- or three-character Chinese name."""
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
    return rng.choice(SURNAMES) + given


def fill(template: str, **values: str) -> str:
    return template.format(**values)


def spam_greeting(rng: random.Random, disguise: str) -> str:
    """One greeting of a greeting spammer: a template with the bait written in the spammer's disguise."""
    return rng.choice(SPAM_TEMPLATES).format(bait=disguise)
