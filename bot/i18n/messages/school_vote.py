"""A school's own vote on a person held in the bot (/binhxet), and attaching it to a nomination (issue 18)."""

VI: dict[str, str] = {
    "cmd.binhxet": "Bình xét của trường: bỏ phiếu kín về một người trước khi đề nghị",
    "school.menu": (
        "<b>Bình xét của trường</b> (hợp lệ khi có ít nhất 2/3 tổng số thành viên tham dự; "
        "đạt khi từ 70% số người tham dự hoặc được xin ý kiến đồng ý)."
    ),
    "school.open_line": "🗳 Đang bỏ phiếu: {name} — {title}",
    "school.outcome": "{mark} {name} — {title}: {agree}/{present} đồng ý ({share}), {verdict} ({date})",
    "school.passed": "đạt",
    "school.failed": "không đạt",
    "school.btn.new": "🗳 Bình xét một người",
    "school.btn.close": "🔒 Kết thúc và kiểm phiếu: {name}",
    "school.ask_title": "Bình xét đề nghị danh hiệu nào?",
    "school.ask_name": "Họ và tên người (hoặc tên tập thể) được bình xét đề nghị «{title}»:",
    "school.ask_members": (
        "Tổng số thành viên của trường dự họp xét (toàn thể cán bộ, viên chức và người lao động, "
        "hoặc Hội đồng Thi đua – Khen thưởng của trường)? Gõ một số."
    ),
    "school.ask_present": (
        "Số người tham dự hoặc được xin ý kiến (trên {members})? Mỗi người sẽ nhận một mã bỏ phiếu."
    ),
    "school.opened": (
        "🗳 Đã mở bỏ phiếu kín: <b>{name}</b> — {title}; {present}/{members} thành viên tham gia.\n"
        "Đưa riêng cho mỗi người một mã (mỗi mã dùng một lần); người đó nhắn cho bot:\n{codes}\n"
        "Kết thúc và kiểm phiếu bằng /binhxet."
    ),
    "school.ballot": (
        "🗳 Bình xét của {unit}: đề nghị <b>{title}</b> cho <b>{name}</b>.\n"
        "Phiếu kín; cần từ 70% của {present} người tham gia đồng ý."
    ),
    "school.result": (
        "<b>Kết quả bình xét kín</b>\n{line}\n{voted}/{present} người tham gia đã bỏ phiếu "
        "({members} thành viên); cần {needed}/{present} đồng ý.\nChuỗi băm: {head}…"
    ),
    "school.attach_hint": "Gắn kết quả và biên bản này vào hồ sơ đề nghị bằng /dienhinh.",
    "school.failed_hint": "Không đủ 70% đồng ý: kết quả này không dùng để đề nghị được.",
    "school.cancelled": "Đã huỷ; chưa mở cuộc bỏ phiếu nào.",
    "school.refused.no_name": "Chưa có họ và tên người được bình xét.",
    "school.refused.members": "Tổng số thành viên phải là một số từ 1 đến {most}. Xin gõ lại.",
    "school.refused.present": "Số người tham gia phải là một số từ 1 đến {members}. Xin gõ lại.",
    "school.refused.quorum": (
        "Chưa đủ 2/3 tổng số thành viên: cần ít nhất {needed}/{members}, còn thiếu {short} người. "
        "Xin gõ lại số người tham gia."
    ),
    "school.refused.bad_code": "Mã bỏ phiếu không đúng. Xin kiểm tra lại mã trường đã đưa.",
    "school.refused.code_used": "Mã này đã được dùng rồi.",
    "school.refused.joined": "Bạn đã có phiếu trong cuộc bình xét này rồi.",
    "nom.ask_vote_meeting": "Hoặc chọn kết quả bình xét trong bot (/binhxet) của trường:",
    "nom.btn.school_vote": "🗳 {mark} {agree}/{present} đồng ý, {verdict} ({date})",
    "nom.school_vote_attached": "Đã gắn kết quả bình xét trong bot: {line}. Chọn «Gửi hồ sơ».",
    "nom.refused.vote_failed": (
        "Cuộc bình xét này không đạt ({line}): không dùng làm kết quả bình xét của trường được."
    ),
    "nom.vote.school": "bỏ phiếu kín trong bot: {line}",
}

EN: dict[str, str] = {
    "cmd.binhxet": "The school's vote: a secret ballot on a person before nominating them",
    "school.menu": (
        "<b>The school's vote</b> (valid with at least 2/3 of all members taking part; "
        "passed with at least 70% agree of those present or consulted)."
    ),
    "school.open_line": "🗳 Voting now: {name} — {title}",
    "school.outcome": "{mark} {name} — {title}: {agree}/{present} agree ({share}), {verdict} ({date})",
    "school.passed": "passed",
    "school.failed": "not passed",
    "school.btn.new": "🗳 Vote on a person",
    "school.btn.close": "🔒 Close and count: {name}",
    "school.ask_title": "Which title is the vote for?",
    "school.ask_name": "Full name of the person (or the collective) proposed for “{title}”:",
    "school.ask_members": (
        "How many members does the school's meeting have (all staff, or the school's own emulation "
        "council)? Type a number."
    ),
    "school.ask_present": "How many take part, present or consulted (of {members})? Each gets a code to vote.",
    "school.opened": (
        "🗳 Secret ballot open: <b>{name}</b> — {title}; {present}/{members} members take part.\n"
        "Give each of them one code privately (each works once); they send the bot:\n{codes}\n"
        "Close and count with /binhxet."
    ),
    "school.ballot": (
        "🗳 The vote of {unit}: <b>{title}</b> for <b>{name}</b>.\n"
        "Secret ballot; at least 70% of the {present} taking part must agree."
    ),
    "school.result": (
        "<b>Result of the secret ballot</b>\n{line}\n{voted}/{present} taking part voted "
        "({members} members); {needed}/{present} agree needed.\nHash chain: {head}…"
    ),
    "school.attach_hint": "Attach this result and its minutes to the nomination with /dienhinh.",
    "school.failed_hint": "Less than 70% agreed: this result cannot support a nomination.",
    "school.cancelled": "Cancelled; no ballot was opened.",
    "school.refused.no_name": "The name of the person voted on is missing.",
    "school.refused.members": "The number of members must be from 1 to {most}. Please type it again.",
    "school.refused.present": "The number taking part must be from 1 to {members}. Please type it again.",
    "school.refused.quorum": (
        "Fewer than 2/3 of all members: at least {needed}/{members} are needed, {short} more. "
        "Please type the number taking part again."
    ),
    "school.refused.bad_code": "That voting code is not right. Please check the code the school gave you.",
    "school.refused.code_used": "This code has already been used.",
    "school.refused.joined": "You already have a ballot in this vote.",
    "nom.ask_vote_meeting": "Or choose the result of a vote the school held in the bot (/binhxet):",
    "nom.btn.school_vote": "🗳 {mark} {agree}/{present} agree, {verdict} ({date})",
    "nom.school_vote_attached": "Attached the vote held in the bot: {line}. Choose “Send”.",
    "nom.refused.vote_failed": "This vote did not pass ({line}): it cannot be the school's vote.",
    "nom.vote.school": "secret ballot in the bot: {line}",
}
