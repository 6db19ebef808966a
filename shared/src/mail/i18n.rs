//! Localized texts (en, ko, vi, zh). Placeholders: `{name}`, `{business}`.

use crate::domain::ids::Locale;

pub struct Texts {
    pub hello: &'static str,
    pub csat_subject: &'static str,
    pub csat_question: &'static str,
    pub nps_subject: &'static str,
    pub nps_question: &'static str,
    pub reminder_prefix: &'static str,
    pub csat_low: &'static str,
    pub csat_high: &'static str,
    pub nps_low: &'static str,
    pub nps_high: &'static str,
    pub unsubscribe: &'static str,
    pub thanks_signature: &'static str,
    pub script: Script,
}

/// The revisit call script (greeting, thanks, the question, both branches, closing).
pub struct Script {
    pub greeting: &'static str,
    pub thanks_order: &'static str,
    pub thanks_ticket: &'static str,
    pub question: &'static str,
    pub if_satisfied: &'static str,
    pub if_unsatisfied: &'static str,
    pub closing: &'static str,
}

pub fn texts(locale: Locale) -> &'static Texts {
    match locale {
        Locale::En => &EN,
        Locale::Ko => &KO,
        Locale::Vi => &VI,
        Locale::Zh => &ZH,
    }
}

pub fn fill(template: &str, name: &str, business: &str) -> String {
    template
        .replace("{name}", name)
        .replace("{business}", business)
}

static EN: Texts = Texts {
    hello: "Hello {name},",
    csat_subject: "How did we do? Your support request with {business}",
    csat_question: "How satisfied are you with the help you received?",
    nps_subject: "Would you recommend {business}?",
    nps_question: "How likely are you to recommend {business} to a friend or colleague?",
    reminder_prefix: "Reminder: ",
    csat_low: "1 = very dissatisfied",
    csat_high: "5 = very satisfied",
    nps_low: "0 = not at all likely",
    nps_high: "10 = extremely likely",
    unsubscribe: "Don't want these emails? Unsubscribe",
    thanks_signature: "Thank you, the {business} care team",
    script: Script {
        greeting: "Hello, this is {agent} from {business}. Am I speaking with {name}?",
        thanks_order: "Thank you for your recent purchase with us.",
        thanks_ticket: "Thank you for contacting our support team recently.",
        question: "Were you satisfied with it?",
        if_satisfied: "That's wonderful to hear. Is there anything else we can do for you?",
        if_unsatisfied: "I'm sorry to hear that. Could you tell me what went wrong? I will make sure it is resolved and get back to you.",
        closing: "Thank you for your time. Have a good day!",
    },
};

static KO: Texts = Texts {
    hello: "{name}님, 안녕하세요.",
    csat_subject: "{business} 상담은 만족스러우셨나요?",
    csat_question: "받으신 도움에 얼마나 만족하셨나요?",
    nps_subject: "{business}을(를) 추천하시겠습니까?",
    nps_question: "{business}을(를) 친구나 동료에게 추천할 가능성은 얼마나 되나요?",
    reminder_prefix: "다시 알려드립니다: ",
    csat_low: "1 = 매우 불만족",
    csat_high: "5 = 매우 만족",
    nps_low: "0 = 전혀 아니다",
    nps_high: "10 = 매우 그렇다",
    unsubscribe: "이메일 수신을 원하지 않으시면 수신 거부",
    thanks_signature: "감사합니다. {business} 고객케어팀 드림",
    script: Script {
        greeting: "안녕하세요, {business} {agent}입니다. {name} 고객님 맞으신가요?",
        thanks_order: "최근 저희 제품을 구매해 주셔서 감사합니다.",
        thanks_ticket: "최근 고객센터에 문의해 주셔서 감사합니다.",
        question: "만족하셨나요?",
        if_satisfied: "만족하셨다니 기쁩니다. 더 도와드릴 일이 있을까요?",
        if_unsatisfied: "불편을 드려 죄송합니다. 어떤 점이 불편하셨는지 말씀해 주시면 해결 후 다시 연락드리겠습니다.",
        closing: "시간 내 주셔서 감사합니다. 좋은 하루 보내세요!",
    },
};

static VI: Texts = Texts {
    hello: "Xin chào {name},",
    csat_subject: "Bạn có hài lòng với hỗ trợ của {business}?",
    csat_question: "Bạn hài lòng thế nào với sự hỗ trợ bạn nhận được?",
    nps_subject: "Bạn có giới thiệu {business} không?",
    nps_question: "Bạn có sẵn lòng giới thiệu {business} cho bạn bè hoặc đồng nghiệp không?",
    reminder_prefix: "Nhắc lại: ",
    csat_low: "1 = rất không hài lòng",
    csat_high: "5 = rất hài lòng",
    nps_low: "0 = hoàn toàn không",
    nps_high: "10 = chắc chắn có",
    unsubscribe: "Không muốn nhận email này? Hủy đăng ký",
    thanks_signature: "Cảm ơn bạn, đội chăm sóc khách hàng {business}",
    script: Script {
        greeting: "Xin chào, tôi là {agent} từ {business}. Tôi đang nói chuyện với {name} phải không ạ?",
        thanks_order: "Cảm ơn bạn đã mua hàng của chúng tôi.",
        thanks_ticket: "Cảm ơn bạn đã liên hệ bộ phận hỗ trợ của chúng tôi.",
        question: "Bạn có hài lòng không ạ?",
        if_satisfied: "Rất vui khi nghe điều đó. Chúng tôi có thể giúp gì thêm cho bạn không?",
        if_unsatisfied: "Rất tiếc về điều đó. Bạn có thể cho biết vấn đề là gì không? Chúng tôi sẽ giải quyết và liên hệ lại.",
        closing: "Cảm ơn bạn đã dành thời gian. Chúc bạn một ngày tốt lành!",
    },
};

static ZH: Texts = Texts {
    hello: "{name}，您好：",
    csat_subject: "您对{business}的服务满意吗？",
    csat_question: "您对获得的帮助满意吗？",
    nps_subject: "您会推荐{business}吗？",
    nps_question: "您向朋友或同事推荐{business}的可能性有多大？",
    reminder_prefix: "提醒：",
    csat_low: "1 = 非常不满意",
    csat_high: "5 = 非常满意",
    nps_low: "0 = 完全不可能",
    nps_high: "10 = 非常可能",
    unsubscribe: "不想再收到此类邮件？退订",
    thanks_signature: "谢谢，{business} 客户关怀团队",
    script: Script {
        greeting: "您好，我是{business}的{agent}。请问是{name}吗？",
        thanks_order: "感谢您最近在我们这里购物。",
        thanks_ticket: "感谢您最近联系我们的客服团队。",
        question: "您满意吗？",
        if_satisfied: "很高兴听到您满意。还有什么可以帮您的吗？",
        if_unsatisfied: "非常抱歉给您带来不便。能告诉我具体是什么问题吗？我们解决后会再联系您。",
        closing: "感谢您抽出时间，祝您生活愉快！",
    },
};
