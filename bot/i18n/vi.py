"""Tiếng Việt — the default catalogue. Every key here must exist in en.py (a test checks)."""

MESSAGES: dict[str, str] = {
    # Commands, as shown in the Telegram menu and in /help.
    "cmd.start": "Bắt đầu, lời chào",
    "cmd.help": "Các lệnh bạn dùng được",
    "cmd.language": "Đổi ngôn ngữ (Tiếng Việt / English)",
    "cmd.whoami": "Đơn vị, khối và vai trò của bạn",
    "cmd.invite": "Tạo đường link mời cho các đơn vị",
    # Roles and positions.
    "role.rep": "Đại diện đơn vị",
    "role.secretariat": "Bộ phận Thường trực",
    "role.head_office": "Giúp việc Khối trưởng",
    "role.admin": "Quản trị viên",
    "position.member": "Thành viên",
    "position.head": "Khối trưởng",
    "position.deputy": "Khối phó",
    # Start and help.
    "start.stranger": (
        "Xin chào {name}! Đây là <b>Thi đua Bot</b> — trợ lý công tác thi đua, khen thưởng "
        "của các khối thi đua ngành giáo dục.\n\n"
        "Bạn chưa được gắn với đơn vị nào. Hãy mở <b>đường link mời</b> mà Khối trưởng gửi "
        "cho đơn vị của bạn.\n\n/help — các lệnh bạn dùng được\n/language — đổi ngôn ngữ"
    ),
    "start.member": (
        "Xin chào {name}! Đây là <b>Thi đua Bot</b> — trợ lý công tác thi đua, khen thưởng.\n\n"
        "{roles}\n\nGõ /help để xem các việc bạn làm được."
    ),
    "help.title": "<b>Các lệnh bạn dùng được:</b>",
    "help.no_role": "Khi bạn mở đường link mời của đơn vị, các lệnh khác sẽ hiện ra ở đây.",
    # Who am I.
    "whoami.title": "<b>Bạn là:</b> {name}",
    "whoami.unit_role": "• {role} của <b>{unit}</b>\n   {bloc} · năm học {year} · đơn vị là {position}",
    "whoami.bloc_role": "• {role} của <b>{bloc}</b> · năm học {year}",
    "whoami.admin": "• Quản trị viên của hệ thống",
    "whoami.none": "Bạn chưa có vai trò nào. Hãy mở đường link mời mà Khối trưởng gửi cho đơn vị của bạn.",
    "whoami.phone": "Điện thoại: {phone}",
    # Language.
    "language.choose": "Chọn ngôn ngữ / Choose your language:",
    "language.set": "Đã chuyển sang tiếng Việt.",
    # Joining by invite.
    "invite.unknown": "Đường link mời này không hợp lệ. Hãy kiểm tra lại với Khối trưởng.",
    "invite.used": "Đường link mời này đã được dùng. Mỗi link chỉ dùng được một lần — hãy xin Khối trưởng link mới.",
    "invite.expired": "Đường link mời này đã hết hạn ngày {date}. Hãy xin Khối trưởng link mới.",
    "invite.already": "Bạn đã là đại diện của <b>{unit}</b>. Link này vẫn còn, có thể chuyển cho người khác của đơn vị.",
    "join.welcome": (
        "Chào mừng! Bạn đã được ghi nhận là <b>đại diện</b> của <b>{unit}</b> "
        "({bloc}, năm học {year}).\n\nXin cho biết <b>họ và tên</b> đầy đủ của bạn "
        "(dùng trong biên bản và hồ sơ thi đua):"
    ),
    "join.keep_name": "Giữ tên: {name}",
    "join.bad_name": "Họ và tên cần từ 2 đến 100 ký tự, có chữ cái. Xin gõ lại:",
    "join.ask_phone": "Số điện thoại liên hệ của bạn? Gõ số, hoặc bấm «Bỏ qua».",
    "join.skip": "Bỏ qua",
    "join.bad_phone": "Số điện thoại chưa đúng. Hãy gõ 10 chữ số, ví dụ 0912 345 678, hoặc bấm «Bỏ qua».",
    "join.done": "Đã lưu. Cảm ơn {name}! Gõ /help để xem các việc bạn làm được.",
    "join.cancelled": "Đã dừng. Thông tin đã lưu vẫn giữ nguyên; gõ /help để tiếp tục.",
    # Invites created by the head.
    "invites.title": "<b>Đường link mời các đơn vị của {bloc}</b>\nMỗi link dùng một lần, hết hạn lúc {expires}.",
    "invites.line": "• {unit}:\n{link}",
    "invites.none": "Bạn chưa phụ trách khối thi đua nào trong năm học này.",
    # Roster import (thidua roster import FILE).
    "roster.bad_encoding": "Tệp CSV không phải mã UTF-8. Hãy lưu lại bằng «CSV UTF-8» rồi nhập lại.",
    "roster.bad_file": "Không đọc được tệp {file}: {detail}",
    "roster.bad_type": "Chỉ nhận tệp .csv hoặc .xlsx (tệp đã gửi: {file}).",
    "roster.empty": "Tệp không có dòng dữ liệu nào.",
    "roster.missing_column": "Thiếu cột «{column}» (các cột đã có: {found}).",
    "roster.empty_unit": "Dòng {line}: tên đơn vị bị trống.",
    "roster.bad_bloc": "Dòng {line}: không hiểu khối «{value}» (ví dụ đúng: «Khối thi đua số 2» hoặc «2»).",
    "roster.bad_role": "Dòng {line}: không hiểu vai trò «{value}» (Khối trưởng, Khối phó hoặc Thành viên).",
    "roster.bad_year": "Dòng {line}: không hiểu năm học «{value}» (ví dụ đúng: 2023-2024).",
    "roster.duplicate_row": "Dòng {line}: «{unit}» đã có ở dòng {first} trong cùng khối.",
    "roster.two_heads": "Khối {bloc} có hai {position}: «{first}» (dòng {first_line}) và «{second}» (dòng {line}).",
    "roster.two_blocs": "Cảnh báo: «{unit}» có mặt ở cả {blocs} trong năm học {year}. Hãy kiểm tra lại với Sở.",
    "roster.summary": "Năm học {year}: thêm {added}, thay đổi {changed}, giữ nguyên {unchanged}, từ chối {refused}.",
    "roster.bloc_count": "  {bloc}: {count} đơn vị",
    "roster.refused_all": "Không ghi gì vào cơ sở dữ liệu vì tệp có lỗi:",
    # General.
    "error.generic": (
        "Xin lỗi, đã có lỗi khi xử lý yêu cầu của bạn. Lỗi đã được ghi lại để khắc phục. "
        "Xin thử lại sau ít phút."
    ),
    "error.not_allowed": "Bạn không có quyền dùng lệnh này. Gõ /help để xem các lệnh của bạn.",
    "error.stale_button": "Nút này không còn hiệu lực. Gõ /help để bắt đầu lại.",
    "error.unknown_command": "Không có lệnh này. Gõ /help để xem các lệnh bạn dùng được.",
    "error.not_understood": "Tôi chưa hiểu tin nhắn này. Gõ /help để xem các lệnh bạn dùng được.",
}
