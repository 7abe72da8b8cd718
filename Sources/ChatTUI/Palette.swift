import ChatClient
import CNcursesw

/// Maps each ``Style`` to curses attributes and a colour pair, with colours when the terminal has them.
struct Palette {
    /// Attributes and colour pair for one style.
    struct Attributes {
        var attributes: attr_t
        var pair: Int16
    }

    private let hasColors: Bool
    private var table: [Style: Attributes] = [:]

    // Colour pairs.
    private static let firstNamePair: Int16 = 1
    private static let errorPair: Int16 = 7
    private static let directPair: Int16 = 8
    private static let mentionPair: Int16 = 9
    private static let noticePair: Int16 = 10

    /// Starts colours (on the terminal's own background) when the terminal has them.
    ///
    /// Call after curses is initialised.
    init() {
        hasColors = has_colors()
        if hasColors {
            start_color()
            use_default_colors()
            let bright = CNcursesw_colors() >= 16
            let nameColors: [Int32] = [
                COLOR_CYAN, COLOR_GREEN, COLOR_YELLOW, COLOR_BLUE, COLOR_MAGENTA, bright ? COLOR_RED + 8 : COLOR_WHITE,
            ]
            for (index, color) in nameColors.enumerated() {
                init_pair(Self.firstNamePair + Int16(index), Int16(color), -1)
            }
            init_pair(Self.errorPair, Int16(COLOR_RED), -1)
            init_pair(Self.directPair, Int16(COLOR_MAGENTA), -1)
            init_pair(Self.mentionPair, Int16(COLOR_YELLOW), -1)
            init_pair(Self.noticePair, Int16(COLOR_CYAN), -1)
        }
        for style in Self.allStyles { table[style] = attributes(computing: style) }
    }

    private static let allStyles: [Style] =
        [
            .plain, .time, .ownName, .ownText, .directMarker, .directText, .mention, .membership, .info, .error,
            .notice, .status, .moreBelow, .sidebarTitle, .sidebarOwn, .separator, .prompt, .dialogBorder, .dialogTitle,
        ] + (0..<NameColor.count).map { .name($0) }

    /// The attributes of a style.
    func attributes(for style: Style) -> Attributes {
        table[style] ?? Attributes(attributes: CNcursesw_A_NORMAL(), pair: 0)
    }

    private func attributes(computing style: Style) -> Attributes {
        let bold = CNcursesw_A_BOLD()
        let dim = CNcursesw_A_DIM()
        let reverse = CNcursesw_A_REVERSE()
        let underline = CNcursesw_A_UNDERLINE()
        let normal = CNcursesw_A_NORMAL()
        func colored(_ pair: Int16, _ attributes: attr_t, fallback: attr_t) -> Attributes {
            hasColors ? Attributes(attributes: attributes, pair: pair) : Attributes(attributes: fallback, pair: 0)
        }
        switch style {
        case .plain: return Attributes(attributes: normal, pair: 0)
        case .time: return Attributes(attributes: dim, pair: 0)
        case .name(let index):
            return colored(Self.firstNamePair + Int16(index % NameColor.count), normal, fallback: normal)
        case .ownName, .ownText, .sidebarOwn, .prompt, .dialogTitle: return Attributes(attributes: bold, pair: 0)
        case .dialogBorder: return colored(Self.noticePair, bold, fallback: bold)
        case .directMarker: return colored(Self.directPair, bold, fallback: bold | underline)
        case .directText: return colored(Self.directPair, normal, fallback: underline)
        case .mention: return colored(Self.mentionPair, bold, fallback: bold | underline)
        case .membership: return Attributes(attributes: dim, pair: 0)
        case .info: return Attributes(attributes: normal, pair: 0)
        case .error: return colored(Self.errorPair, bold, fallback: bold)
        case .notice: return colored(Self.noticePair, normal, fallback: dim)
        case .status: return Attributes(attributes: reverse, pair: 0)
        case .moreBelow: return Attributes(attributes: reverse | bold, pair: 0)
        case .sidebarTitle: return Attributes(attributes: bold | underline, pair: 0)
        case .separator: return Attributes(attributes: dim, pair: 0)
        }
    }
}
