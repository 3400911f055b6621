/// Named character references: every HTML 4 entity, `&apos;`, and a few HTML 5 names common in mail.
enum HTMLEntities {
    /// The scalar of an entity name (case-sensitive, without `&` and `;`).
    static func scalar(named name: String) -> Unicode.Scalar? {
        table[name]
    }

    /// Names that HTML lets stand without the closing `;` and that mail writers do leave bare.
    static let legacyWithoutSemicolon: Set<String> = ["amp", "lt", "gt", "quot", "nbsp", "copy", "reg"]

    /// The longest name in the table, which bounds how far a reference is scanned.
    static let maximumNameLength = 10

    private static let table: [String: Unicode.Scalar] = {
        var table: [String: Unicode.Scalar] = [:]
        func add(_ names: String, from first: UInt32) {
            for (offset, name) in names.split(separator: " ").enumerated() {
                if let scalar = Unicode.Scalar(first + UInt32(offset)) { table[String(name)] = scalar }
            }
        }
        // ISO 8859-1, U+00A0 to U+00FF in order.
        add("""
            nbsp iexcl cent pound curren yen brvbar sect uml copy ordf laquo not shy reg macr deg plusmn \
            sup2 sup3 acute micro para middot cedil sup1 ordm raquo frac14 frac12 frac34 iquest Agrave \
            Aacute Acirc Atilde Auml Aring AElig Ccedil Egrave Eacute Ecirc Euml Igrave Iacute Icirc Iuml \
            ETH Ntilde Ograve Oacute Ocirc Otilde Ouml times Oslash Ugrave Uacute Ucirc Uuml Yacute THORN \
            szlig agrave aacute acirc atilde auml aring aelig ccedil egrave eacute ecirc euml igrave \
            iacute icirc iuml eth ntilde ograve oacute ocirc otilde ouml divide oslash ugrave uacute \
            ucirc uuml yacute thorn yuml
            """, from: 0xA0)
        add("Alpha Beta Gamma Delta Epsilon Zeta Eta Theta Iota Kappa Lambda Mu Nu Xi Omicron Pi Rho", from: 0x391)
        add("Sigma Tau Upsilon Phi Chi Psi Omega", from: 0x3A3)
        add("""
            alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigmaf \
            sigma tau upsilon phi chi psi omega
            """, from: 0x3B1)
        add("larr uarr rarr darr harr", from: 0x2190)
        add("lArr uArr rArr dArr hArr", from: 0x21D0)
        add("lceil rceil lfloor rfloor", from: 0x2308)
        add("ensp emsp", from: 0x2002)
        add("zwnj zwj lrm rlm", from: 0x200C)
        add("ndash mdash", from: 0x2013)
        add("lsquo rsquo sbquo", from: 0x2018)
        add("ldquo rdquo bdquo", from: 0x201C)
        add("dagger Dagger bull", from: 0x2020)
        let singles: [(String, UInt32)] = [
            ("quot", 0x22), ("amp", 0x26), ("apos", 0x27), ("lt", 0x3C), ("gt", 0x3E),
            ("OElig", 0x152), ("oelig", 0x153), ("Scaron", 0x160), ("scaron", 0x161), ("Yuml", 0x178),
            ("fnof", 0x192), ("circ", 0x2C6), ("tilde", 0x2DC), ("thetasym", 0x3D1), ("upsih", 0x3D2),
            ("piv", 0x3D6), ("thinsp", 0x2009), ("hellip", 0x2026), ("permil", 0x2030), ("prime", 0x2032),
            ("Prime", 0x2033), ("lsaquo", 0x2039), ("rsaquo", 0x203A), ("oline", 0x203E), ("frasl", 0x2044),
            ("euro", 0x20AC), ("image", 0x2111), ("weierp", 0x2118), ("real", 0x211C), ("trade", 0x2122),
            ("alefsym", 0x2135), ("crarr", 0x21B5), ("forall", 0x2200), ("part", 0x2202), ("exist", 0x2203),
            ("empty", 0x2205), ("nabla", 0x2207), ("isin", 0x2208), ("notin", 0x2209), ("ni", 0x220B),
            ("prod", 0x220F), ("sum", 0x2211), ("minus", 0x2212), ("lowast", 0x2217), ("radic", 0x221A),
            ("prop", 0x221D), ("infin", 0x221E), ("ang", 0x2220), ("and", 0x2227), ("or", 0x2228),
            ("cap", 0x2229), ("cup", 0x222A), ("int", 0x222B), ("there4", 0x2234), ("sim", 0x223C),
            ("cong", 0x2245), ("asymp", 0x2248), ("ne", 0x2260), ("equiv", 0x2261), ("le", 0x2264),
            ("ge", 0x2265), ("sub", 0x2282), ("sup", 0x2283), ("nsub", 0x2284), ("sube", 0x2286),
            ("supe", 0x2287), ("oplus", 0x2295), ("otimes", 0x2297), ("perp", 0x22A5), ("sdot", 0x22C5),
            ("lang", 0x2329), ("rang", 0x232A), ("loz", 0x25CA), ("spades", 0x2660), ("clubs", 0x2663),
            ("hearts", 0x2665), ("diams", 0x2666),
            // HTML 5 names that mail templates use.
            ("hyphen", 0x2010), ("check", 0x2713), ("cross", 0x2717), ("star", 0x2606), ("starf", 0x2605),
            ("Tab", 0x09), ("NewLine", 0x0A), ("excl", 0x21), ("num", 0x23), ("dollar", 0x24),
            ("percnt", 0x25), ("lpar", 0x28), ("rpar", 0x29), ("ast", 0x2A), ("plus", 0x2B), ("comma", 0x2C),
            ("period", 0x2E), ("sol", 0x2F), ("colon", 0x3A), ("semi", 0x3B), ("equals", 0x3D),
            ("quest", 0x3F), ("commat", 0x40), ("lsqb", 0x5B), ("bsol", 0x5C), ("rsqb", 0x5D),
            ("lowbar", 0x5F), ("grave", 0x60), ("lcub", 0x7B), ("verbar", 0x7C), ("rcub", 0x7D),
        ]
        for (name, value) in singles {
            if let scalar = Unicode.Scalar(value) { table[name] = scalar }
        }
        return table
    }()
}
