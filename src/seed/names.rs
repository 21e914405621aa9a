//! Word lists for realistic Vietnamese demo data.

use crate::domain::Sector;

/// Common family names (họ), most frequent first.
pub const FAMILY_NAMES: &[&str] = &[
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương",
    "Lý", "Đinh", "Lương", "Trịnh", "Mai",
];

/// Middle names (tên đệm) for men.
pub const MALE_MIDDLE: &[&str] = &["Văn", "Hữu", "Đức", "Quang", "Minh", "Công", "Thanh", "Xuân"];
/// Middle names for women.
pub const FEMALE_MIDDLE: &[&str] = &["Thị", "Ngọc", "Thu", "Thanh", "Kim", "Minh", "Hồng", "Diệu"];
/// Given names (tên) for men.
pub const MALE_GIVEN: &[&str] = &[
    "Hùng", "Dũng", "Nam", "Sơn", "Tuấn", "Thắng", "Long", "Hải", "Bình", "Phong", "Quân", "Cường", "Đạt", "Lộc",
    "Tài", "Trung",
];
/// Given names for women.
pub const FEMALE_GIVEN: &[&str] = &[
    "Lan", "Hương", "Mai", "Hoa", "Hạnh", "Thảo", "Linh", "Nga", "Hằng", "Yến", "Phương", "Trang", "Dung", "Loan",
    "Nhung", "Tâm",
];

/// Cooperative name stems by sector (the word after "Hợp tác xã").
pub fn cooperative_stems(sector: Sector) -> &'static [&'static str] {
    match sector {
        Sector::Agriculture => &[
            "Nông nghiệp",
            "Dịch vụ nông nghiệp",
            "Nông nghiệp tổng hợp",
            "Trồng trọt và chăn nuôi",
            "Rau an toàn",
            "Cây ăn quả",
            "Chè",
            "Cà phê",
            "Lúa gạo",
            "Thủy sản",
            "Nuôi trồng thủy sản",
            "Dược liệu",
        ],
        Sector::IndustryHandicraft => {
            &["Mây tre đan", "Mộc mỹ nghệ", "Dệt thổ cẩm", "Gốm", "Chế biến nông sản", "Cơ khí"]
        }
        Sector::Construction => &["Xây dựng", "Xây dựng và vật liệu"],
        Sector::TradeServices => &["Thương mại dịch vụ", "Dịch vụ tổng hợp", "Du lịch cộng đồng", "Kinh doanh chợ"],
        Sector::Transport => &["Vận tải", "Vận tải hành khách", "Vận tải thủy"],
        Sector::Credit => &["Quỹ tín dụng nhân dân"],
        Sector::Environment => &["Vệ sinh môi trường", "Cấp nước sạch", "Môi trường"],
        Sector::Other => &["Dịch vụ", "Sản xuất kinh doanh"],
    }
}

/// VSIC business-line codes typical of each sector.
pub fn business_lines(sector: Sector) -> &'static [&'static str] {
    match sector {
        Sector::Agriculture => {
            &["0111", "0112", "0118", "0121", "0127", "0128", "0145", "0146", "0161", "0162", "0321", "0322"]
        }
        Sector::IndustryHandicraft => &["1629", "3290", "1392", "2393", "1079", "2592"],
        Sector::Construction => &["4100", "4290", "4330", "2395"],
        Sector::TradeServices => &["4610", "4632", "4711", "5510", "5610", "7912"],
        Sector::Transport => &["4931", "4932", "4933", "5022"],
        Sector::Credit => &["6419"],
        Sector::Environment => &["3600", "3700", "3811", "3821"],
        Sector::Other => &["9633", "8299"],
    }
}

/// Group name stems (the word after "Tổ hợp tác").
pub const GROUP_STEMS: &[&str] = &[
    "trồng rau",
    "chăn nuôi bò",
    "nuôi ong",
    "trồng lúa",
    "trồng nấm",
    "nuôi cá",
    "đan lát",
    "làm hương",
    "trồng hoa",
    "sản xuất chè",
    "khai thác hải sản",
    "dịch vụ thu hoạch",
];

/// Union name stems (after "Liên hiệp hợp tác xã").
pub const UNION_STEMS: &[&str] = &["Nông nghiệp", "Thủy sản", "Dịch vụ tổng hợp", "Rau quả", "Vận tải", "Thương mại"];

/// Streets for addresses.
pub const STREETS: &[&str] = &[
    "Thôn 1",
    "Thôn 2",
    "Thôn 3",
    "Xóm Đông",
    "Xóm Tây",
    "Ấp Mỹ Lợi",
    "Khu phố 4",
    "Đường Trần Phú",
    "Đường Lê Lợi",
    "Quốc lộ 1A",
    "Đường Nguyễn Huệ",
    "Bản Nà Lừa",
];
