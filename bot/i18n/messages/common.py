"""Greeting, help, roles, language, joining by invite, invites, errors."""

VI: dict[str, str] = {
    "cmd.start": "Bắt đầu, lời chào",
    "cmd.help": "Các lệnh bạn dùng được",
    "cmd.language": "Đổi ngôn ngữ (Tiếng Việt / English)",
    "cmd.whoami": "Đơn vị, khối và vai trò của bạn",
    "cmd.invite": "Tạo đường link mời cho các đơn vị",
    "role.rep": "Đại diện đơn vị",
    "role.secretariat": "Bộ phận Thường trực",
    "role.head_office": "Giúp việc Khối trưởng",
    "role.admin": "Quản trị viên",
    "position.member": "Thành viên",
    "position.head": "Khối trưởng",
    "position.deputy": "Khối phó",
    "start.stranger": (
        "Xin chào {name}! "
        "Đây là <b>Thi đua Bot</b> — trợ lý công tác thi đua, khen thưởng của các khối thi đua ngành giáo dục.\n\nBạn chưa được gắn với đơn vị nào. "
        "Hãy mở <b>đường link mời</b> mà Khối trưởng gửi cho đơn vị của bạn.\n\n/help — các lệnh bạn dùng được\n/language — đổi ngôn ngữ"
    ),
    "start.member": (
        "Xin chào {name}! "
        "Đây là <b>Thi đua Bot</b> — trợ lý công tác thi đua, khen thưởng.\n\n{roles}\n\nGõ /help để xem các việc bạn làm được."
    ),
    "help.title": "<b>Các lệnh bạn dùng được:</b>",
    "help.no_role": "Khi bạn mở đường link mời của đơn vị, các lệnh khác sẽ hiện ra ở đây.",
    "whoami.title": "<b>Bạn là:</b> {name}",
    "whoami.unit_role": "• {role} của <b>{unit}</b>\n   {bloc} · năm học {year} · đơn vị là {position}",
    "whoami.bloc_role": "• {role} của <b>{bloc}</b> · năm học {year}",
    "whoami.admin": "• Quản trị viên của hệ thống",
    "whoami.none": "Bạn chưa có vai trò nào. Hãy mở đường link mời mà Khối trưởng gửi cho đơn vị của bạn.",
    "whoami.phone": "Điện thoại: {phone}",
    "language.choose": "Chọn ngôn ngữ / Choose your language:",
    "language.set": "Đã chuyển sang tiếng Việt.",
    "invite.unknown": "Đường link mời này không hợp lệ. Hãy kiểm tra lại với Khối trưởng.",
    "invite.used": (
        "Đường link mời này đã được dùng. Mỗi link chỉ dùng được một lần — hãy xin Khối trưởng link mới."
    ),
    "invite.expired": "Đường link mời này đã hết hạn ngày {date}. Hãy xin Khối trưởng link mới.",
    "invite.already": (
        "Bạn đã là đại diện của <b>{unit}</b>. Link này vẫn còn, có thể chuyển cho người khác của đơn vị."
    ),
    "join.welcome": (
        "Chào mừng! "
        "Bạn đã được ghi nhận là <b>đại diện</b> của <b>{unit}</b> ({bloc}, năm học {year}).\n\nXin cho biết <b>họ và tên</b> đầy đủ của bạn (dùng trong biên bản và hồ sơ thi đua):"
    ),
    "join.keep_name": "Giữ tên: {name}",
    "join.bad_name": "Họ và tên cần từ 2 đến 100 ký tự, có chữ cái. Xin gõ lại:",
    "join.ask_phone": "Số điện thoại liên hệ của bạn? Gõ số, hoặc bấm «Bỏ qua».",
    "join.skip": "Bỏ qua",
    "join.bad_phone": "Số điện thoại chưa đúng. Hãy gõ 10 chữ số, ví dụ 0912 345 678, hoặc bấm «Bỏ qua».",
    "join.done": "Đã lưu. Cảm ơn {name}! Gõ /help để xem các việc bạn làm được.",
    "join.cancelled": "Đã dừng. Thông tin đã lưu vẫn giữ nguyên; gõ /help để tiếp tục.",
    "invites.title": (
        "<b>Đường link mời các đơn vị của {bloc}</b>\nMỗi link dùng một lần, hết hạn lúc {expires}."
    ),
    "invites.line": "• {unit}:\n{link}",
    "invites.none": "Bạn chưa phụ trách khối thi đua nào trong năm học này.",
    "error.unavailable": (
        "Hệ thống tạm thời không truy cập được dữ liệu; thao tác vừa rồi có thể chưa được ghi nhận. "
        "Xin thử lại sau ít phút."
    ),
    "error.saved_unanswered": (
        "Tin nhắn trước của bạn đã được lưu, nhưng bot khởi động lại trước khi kịp trả lời. "
        "Không cần gửi lại; gõ /help để tiếp tục."
    ),
    "error.generic": (
        "Xin lỗi, đã có lỗi khi xử lý yêu cầu của bạn. "
        "Lỗi đã được ghi lại để khắc phục. "
        "Xin thử lại sau ít phút."
    ),
    "error.not_allowed": "Bạn không có quyền dùng lệnh này. Gõ /help để xem các lệnh của bạn.",
    "error.stale_button": "Nút này không còn hiệu lực. Gõ /help để bắt đầu lại.",
    "error.unknown_command": "Không có lệnh này. Gõ /help để xem các lệnh bạn dùng được.",
    "error.not_understood": "Tôi chưa hiểu tin nhắn này. Gõ /help để xem các lệnh bạn dùng được.",
}

EN: dict[str, str] = {
    "cmd.start": "Start, greeting",
    "cmd.help": "The commands you can use",
    "cmd.language": "Change language (Tiếng Việt / English)",
    "cmd.whoami": "Your unit, bloc and role",
    "cmd.invite": "Create invite links for the units",
    "role.rep": "Unit representative",
    "role.secretariat": "Secretariat",
    "role.head_office": "Assistant to the bloc head",
    "role.admin": "Administrator",
    "position.member": "a member",
    "position.head": "the bloc head",
    "position.deputy": "the deputy head",
    "start.stranger": (
        "Hello {name}! "
        "This is <b>Thi đua Bot</b>, the assistant for the emulation and commendation work of the education blocs.\n\nYou are not linked to any unit yet. "
        "Open the <b>invite link</b> your bloc head sent to your unit.\n\n/help — the commands you can use\n/language — change language"
    ),
    "start.member": (
        "Hello {name}! "
        "This is <b>Thi đua Bot</b>, the emulation and commendation assistant.\n\n{roles}\n\nType /help to see what you can do."
    ),
    "help.title": "<b>The commands you can use:</b>",
    "help.no_role": "Once you open your unit's invite link, more commands will appear here.",
    "whoami.title": "<b>You are:</b> {name}",
    "whoami.unit_role": "• {role} of <b>{unit}</b>\n   {bloc} · school year {year} · the unit is {position}",
    "whoami.bloc_role": "• {role} of <b>{bloc}</b> · school year {year}",
    "whoami.admin": "• System administrator",
    "whoami.none": "You have no role yet. Open the invite link your bloc head sent to your unit.",
    "whoami.phone": "Phone: {phone}",
    "language.choose": "Chọn ngôn ngữ / Choose your language:",
    "language.set": "Switched to English.",
    "invite.unknown": "This invite link is not valid. Please check it with your bloc head.",
    "invite.used": (
        "This invite link has already been used. Each link works once — ask your bloc head for a new one."
    ),
    "invite.expired": "This invite link expired on {date}. Ask your bloc head for a new one.",
    "invite.already": (
        "You already represent <b>{unit}</b>. The link is still unused and can go to a colleague."
    ),
    "join.welcome": (
        "Welcome! "
        "You are now recorded as a <b>representative</b> of <b>{unit}</b> ({bloc}, school year {year}).\n\nPlease type your <b>full name</b> (used in the minutes and the dossier):"
    ),
    "join.keep_name": "Keep name: {name}",
    "join.bad_name": "A full name has 2 to 100 characters with letters. Please type it again:",
    "join.ask_phone": "Your contact phone number? Type it, or tap «Skip».",
    "join.skip": "Skip",
    "join.bad_phone": (
        "That phone number does not look right. Type 10 digits, e.g. 0912 345 678, or tap «Skip»."
    ),
    "join.done": "Saved. Thank you, {name}! Type /help to see what you can do.",
    "join.cancelled": "Stopped. What was saved stays; type /help to go on.",
    "invites.title": (
        "<b>Invite links for the units of {bloc}</b>\nEach link works once and expires at {expires}."
    ),
    "invites.line": "• {unit}:\n{link}",
    "invites.none": "You are not in charge of a bloc this school year.",
    "error.unavailable": (
        "The bot cannot reach its data just now; your last action may not have been saved. "
        "Please try again in a few minutes."
    ),
    "error.saved_unanswered": (
        "Your last message was saved, but the bot restarted before it could answer. "
        "No need to send it again; type /help to go on."
    ),
    "error.generic": (
        "Sorry, something went wrong while handling your request. "
        "It has been logged so we can fix it. "
        "Please try again in a few minutes."
    ),
    "error.not_allowed": "You are not allowed to use this command. Type /help to see yours.",
    "error.stale_button": "This button is no longer valid. Type /help to start again.",
    "error.unknown_command": "There is no such command. Type /help to see the commands you can use.",
    "error.not_understood": "I did not understand this message. Type /help to see the commands you can use.",
}
