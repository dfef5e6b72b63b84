"""Uploaded tables (people lists, scales, rosters, timetables) refused for their size."""

_AGAIN_VI = " Chưa lưu gì; hãy gửi bảng gọn hơn (chỉ trang đầu tiên được đọc)."
_AGAIN_EN = " Nothing was saved; please send a smaller table (only the first sheet is read)."

VI: dict[str, str] = {
    "table.too_big.bytes": "Tệp «{file}» quá lớn: giới hạn là {limit}." + _AGAIN_VI,
    "table.too_big.unzipped": "Tệp «{file}» khi giải nén vượt quá {limit}." + _AGAIN_VI,
    "table.too_big.rows": "Tệp «{file}» có hơn {limit} dòng." + _AGAIN_VI,
    "table.too_big.columns": "Tệp «{file}» có hơn {limit} cột." + _AGAIN_VI,
    "table.too_big.cells": "Tệp «{file}» có hơn {limit} ô có dữ liệu." + _AGAIN_VI,
}

EN: dict[str, str] = {
    "table.too_big.bytes": "The file «{file}» is too large: the limit is {limit}." + _AGAIN_EN,
    "table.too_big.unzipped": "The file «{file}» unzips to more than {limit}." + _AGAIN_EN,
    "table.too_big.rows": "The file «{file}» has more than {limit} rows." + _AGAIN_EN,
    "table.too_big.columns": "The file «{file}» has more than {limit} columns." + _AGAIN_EN,
    "table.too_big.cells": "The file «{file}» has more than {limit} filled cells." + _AGAIN_EN,
}
