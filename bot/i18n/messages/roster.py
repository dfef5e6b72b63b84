"""Roster import (thidua roster import FILE)."""

VI: dict[str, str] = {
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
    "roster.two_heads": (
        "Khối {bloc} có hai {position}: «{first}» (dòng {first_line}) và «{second}» (dòng {line})."
    ),
    "roster.two_blocs": (
        "Cảnh báo: «{unit}» có mặt ở cả {blocs} trong năm học {year}. Hãy kiểm tra lại với Sở."
    ),
    "roster.summary": (
        "Năm học {year}: thêm {added}, thay đổi {changed}, giữ nguyên {unchanged}, từ chối {refused}."
    ),
    "roster.bloc_count": "  {bloc}: {count} đơn vị",
    "roster.refused_all": "Không ghi gì vào cơ sở dữ liệu vì tệp có lỗi:",
}

EN: dict[str, str] = {
    "roster.bad_encoding": "The CSV file is not UTF-8. Save it as «CSV UTF-8» and import it again.",
    "roster.bad_file": "Could not read {file}: {detail}",
    "roster.bad_type": "Only .csv or .xlsx files are accepted (got: {file}).",
    "roster.empty": "The file has no data rows.",
    "roster.missing_column": "Column «{column}» is missing (columns found: {found}).",
    "roster.empty_unit": "Row {line}: the unit name is empty.",
    "roster.bad_bloc": "Row {line}: cannot read the bloc «{value}» (e.g. «Khối thi đua số 2» or «2»).",
    "roster.bad_role": "Row {line}: cannot read the role «{value}» (head, deputy or member).",
    "roster.bad_year": "Row {line}: cannot read the school year «{value}» (e.g. 2023-2024).",
    "roster.duplicate_row": "Row {line}: «{unit}» is already on row {first} in the same bloc.",
    "roster.two_heads": (
        "Bloc {bloc} has two {position}s: «{first}» (row {first_line}) and «{second}» (row {line})."
    ),
    "roster.two_blocs": (
        "Warning: «{unit}» is listed in {blocs} in school year {year}. Check with the department."
    ),
    "roster.summary": (
        "School year {year}: {added} added, {changed} changed, {unchanged} unchanged, {refused} refused."
    ),
    "roster.bloc_count": "  {bloc}: {count} units",
    "roster.refused_all": "Nothing was written to the database because the file has errors:",
}
