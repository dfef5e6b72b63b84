"""The chat layer's own words: numbered replies on Zalo, linking accounts across apps."""

VI: dict[str, str] = {
    "cmd.lienket": "Liên kết tài khoản Telegram và Zalo",
    "chat.or": "hoặc",
    "chat.reply_with": "Trả lời {numbers}.",
    "chat.number_out_of_range": "Không có lựa chọn số {number}. Trả lời {numbers}.",
    "chat.no_match": "Tin nhắn này không khớp lựa chọn nào. Trả lời {numbers}.",
    "chat.suggest": "Gợi ý trả lời: {items}",
    "chat.text_expected": "Tôi cần một tin nhắn chữ ở bước này. Xin gõ lại câu trả lời.",
    "chat.not_on_channel": (
        "Lệnh /{command} hiện mới dùng được trên Telegram; bản Zalo đang được hoàn thiện. "
        "Bạn có thể liên kết tài khoản Telegram bằng /lienket để dùng cả hai."
    ),
    "error.private_only": "Lệnh này chỉ dùng trong trò chuyện riêng với bot.",
    "chat.file_link": "📎 {name} ({size}) — tải về trong {hours} giờ tới: {url}",
    "files.forged": "Đường link tải tệp không đúng. Hãy mở lại link bot đã gửi.",
    "files.expired": "Đường link tải tệp đã hết hạn. Hãy yêu cầu bot gửi lại tệp.",
    "files.missing": "Không còn tệp này trên máy chủ.",
    "chat.upload_link": "Hoặc tải tệp XLSX/CSV lên (dùng một lần, trong 1 giờ): {url}",
    "upload.title": "Tải tệp lên Thi đua Bot",
    "upload.choose": "Chọn tệp XLSX hoặc CSV rồi bấm «Gửi». Tệp sẽ được đưa vào cuộc trò chuyện của bạn với bot.",
    "upload.send": "Gửi",
    "upload.done": "Đã nhận tệp {name}. Quay lại Zalo để xem bot trả lời.",
    "upload.used": "Đường link tải lên này đã được dùng. Hãy yêu cầu bot gửi link mới.",
    "upload.expired": "Đường link tải lên này đã hết hạn. Hãy yêu cầu bot gửi link mới.",
    "upload.unknown": "Đường link tải lên không đúng.",
    "upload.no_file": "Chưa chọn tệp nào. Hãy chọn một tệp XLSX hoặc CSV.",
    "upload.too_big": "Tệp quá lớn (tối đa 5 MB).",
    "invites.zalo": "   Zalo: gửi cho bot <code>/start {token}</code>",
    "link.code": (
        "Mã liên kết của bạn: <b>{code}</b> (dùng một lần, hết hạn lúc {expires}).\n"
        "Mở ứng dụng kia (Telegram hoặc Zalo), gửi cho bot: <code>/lienket {code}</code>"
    ),
    "link.done": (
        "Đã liên kết: tài khoản {channel} này từ nay là của <b>{name}</b>, cùng đơn vị, "
        "việc và phiếu bầu như trên ứng dụng kia."
    ),
    "link.unknown": "Mã liên kết không đúng. Gõ /lienket trên ứng dụng kia để lấy mã mới.",
    "link.expired": "Mã liên kết đã hết hạn. Gõ /lienket trên ứng dụng kia để lấy mã mới.",
    "link.used": "Mã liên kết này đã được dùng. Gõ /lienket trên ứng dụng kia để lấy mã mới.",
    "link.same_channel": "Mã này phải gửi từ ứng dụng kia (mã được tạo trên {channel}).",
    "link.has_roles": (
        "Tài khoản này đã là đại diện hoặc có vai trò riêng, nên không thể gộp vào người khác. "
        "Hãy lấy mã bằng /lienket trên chính tài khoản này rồi gửi từ ứng dụng kia."
    ),
    "link.already_linked": (
        "Người này đã có một tài khoản {channel} khác. Mỗi người liên kết một tài khoản cho mỗi ứng dụng."
    ),
    "link.already_same": "Tài khoản này đã được liên kết với {name}.",
}

EN: dict[str, str] = {
    "cmd.lienket": "Link your Telegram and Zalo accounts",
    "chat.or": "or",
    "chat.reply_with": "Reply {numbers}.",
    "chat.number_out_of_range": "There is no option {number}. Reply {numbers}.",
    "chat.no_match": "This message matches no option. Reply {numbers}.",
    "chat.suggest": "Suggested answers: {items}",
    "chat.text_expected": "I need a text message at this step. Please type your answer again.",
    "chat.not_on_channel": (
        "/{command} works on Telegram for now; the Zalo version is being finished. "
        "You can link your Telegram account with /lienket to use both."
    ),
    "error.private_only": "This command works only in a private chat with the bot.",
    "chat.file_link": "📎 {name} ({size}) — download within {hours} hours: {url}",
    "files.forged": "This download link is not right. Open the link the bot sent again.",
    "files.expired": "This download link has expired. Ask the bot to send the file again.",
    "files.missing": "This file is no longer on the server.",
    "chat.upload_link": "Or upload the XLSX/CSV file (single use, within 1 hour): {url}",
    "upload.title": "Upload a file to Thi đua Bot",
    "upload.choose": "Choose an XLSX or CSV file and press «Send». It goes into your chat with the bot.",
    "upload.send": "Send",
    "upload.done": "File {name} received. Go back to Zalo to see the bot's answer.",
    "upload.used": "This upload link has been used. Ask the bot for a new one.",
    "upload.expired": "This upload link has expired. Ask the bot for a new one.",
    "upload.unknown": "This upload link is not right.",
    "upload.no_file": "No file chosen. Choose an XLSX or CSV file.",
    "upload.too_big": "The file is too large (at most 5 MB).",
    "invites.zalo": "   Zalo: send the bot <code>/start {token}</code>",
    "link.code": (
        "Your link code: <b>{code}</b> (single use, expires at {expires}).\n"
        "Open the other app (Telegram or Zalo) and send the bot: <code>/lienket {code}</code>"
    ),
    "link.done": (
        "Linked: this {channel} account now belongs to <b>{name}</b>, with the same unit, tasks and "
        "ballots as on the other app."
    ),
    "link.unknown": "That link code is not right. Type /lienket on the other app for a new one.",
    "link.expired": "That link code has expired. Type /lienket on the other app for a new one.",
    "link.used": "That link code has been used. Type /lienket on the other app for a new one.",
    "link.same_channel": "Send this code from the other app (it was made on {channel}).",
    "link.has_roles": (
        "This account already holds a role of its own, so it cannot be merged into another person. "
        "Ask for a code with /lienket on this account and send it from the other app."
    ),
    "link.already_linked": "That person already has another {channel} account. One account per app per person.",
    "link.already_same": "This account is already linked to {name}.",
}
