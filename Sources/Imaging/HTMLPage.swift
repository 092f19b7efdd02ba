import DataFiles

/// A self-contained report page (index.html): inline CSS, no scripts, no
/// external resources. Images are referenced by relative path (so the page
/// and its PNGs move together) or SVG is inlined. All caller text is escaped.
///
/// The output is also well-formed XML (XHTML syntax), which keeps it
/// predictable and lets tests parse it.
public struct HTMLPage: Sendable, Equatable {
  public var title: String
  /// A line under the title, e.g. which command made the page and when.
  public var subtitle: String?
  public var sections: [Section]
  /// Lets the page use the whole window width instead of a readable column
  /// (for a wide table such as a summary of many runs).
  public var wide = false

  public init(title: String, subtitle: String? = nil, sections: [Section] = []) {
    self.title = title
    self.subtitle = subtitle
    self.sections = sections
  }

  public mutating func add(_ section: Section) {
    sections.append(section)
  }

  /// A titled part of the page, listed in the page's table of contents.
  public struct Section: Sendable, Equatable {
    public var title: String
    public var blocks: [Block]

    public init(title: String, blocks: [Block] = []) {
      self.title = title
      self.blocks = blocks
    }

    public mutating func add(_ block: Block) {
      blocks.append(block)
    }
  }

  /// One piece of a section, drawn in order.
  public enum Block: Sendable, Equatable {
    /// A paragraph of plain text.
    case paragraph(String)
    /// Figures side by side (wrapping on narrow screens).
    case figures([Figure])
    /// A two-column table of names and values (configuration, metrics).
    case keyValues([KeyValue])
    /// A table with a header row.
    case table(Table)

    /// One figure on its own.
    public static func figure(_ figure: Figure) -> Block { .figures([figure]) }
  }

  /// A picture with a caption.
  public struct Figure: Sendable, Equatable {
    public enum Content: Sendable, Equatable {
      /// An image file by path relative to the page; `width` in CSS pixels
      /// scales it (pixelated, so digits stay crisp).
      case image(source: String, alt: String, width: Int? = nil)
      /// An SVG document from `LinePlot`/`ScatterPlot`, inlined as is.
      case svg(String)
    }

    public var content: Content
    public var caption: String

    public init(_ content: Content, caption: String) {
      self.content = content
      self.caption = caption
    }

    /// An image file by path relative to the page.
    public static func image(_ source: String, caption: String, alt: String? = nil, width: Int? = nil) -> Figure {
      Figure(.image(source: source, alt: alt ?? caption, width: width), caption: caption)
    }

    /// An inline SVG document.
    public static func svg(_ document: String, caption: String) -> Figure {
      Figure(.svg(document), caption: caption)
    }
  }

  /// A row of a `keyValues` block.
  public struct KeyValue: Sendable, Equatable {
    public var key: String
    public var value: Cell
    public init(_ key: String, _ value: Cell) {
      self.key = key
      self.value = value
    }
    public init(_ key: String, _ value: String) {
      self.init(key, .text(value))
    }
  }

  /// A table: a header row and rows of cells (rows may be shorter than the header).
  public struct Table: Sendable, Equatable {
    public var header: [String]
    public var rows: [[Cell]]
    /// Optional column groups, drawn as a header row above `header`: a titled group
    /// spans its columns; an untitled one stands for columns whose own header spans
    /// both rows. Empty (the default) gives a single header row; otherwise the groups
    /// must cover exactly `header.count` columns.
    public var groups: [ColumnGroup] = []
    /// Indices of rows drawn as flagged (a pale red background), e.g. damaged inputs.
    public var flaggedRows: Set<Int> = []
    /// Lines of text drawn under some rows (by row index), across the whole table width,
    /// in a smaller type: room for a long explanation without widening a column. A note
    /// under a flagged row is flagged too, in dark red.
    public var notes: [Int: String] = [:]

    public init(header: [String], rows: [[Cell]]) {
      self.header = header
      self.rows = rows
    }

    public init(header: [String], rows: [[Cell]], groups: [ColumnGroup], flaggedRows: Set<Int> = [], notes: [Int: String] = [:]) {
      precondition(
        groups.isEmpty || groups.reduce(0, { $0 + $1.columns }) == header.count,
        "column groups cover \(groups.reduce(0, { $0 + $1.columns })) columns, the header has \(header.count)")
      precondition(groups.allSatisfy { $0.columns >= 1 }, "every column group needs at least one column")
      self.header = header
      self.rows = rows
      self.groups = groups
      self.flaggedRows = flaggedRows
      self.notes = notes
    }
  }

  /// Consecutive table columns under one heading (see `Table.groups`).
  public struct ColumnGroup: Sendable, Equatable {
    /// The heading over the columns; nil for columns that have no group.
    public var title: String?
    public var columns: Int

    public init(_ title: String?, columns: Int) {
      self.title = title
      self.columns = columns
    }
  }

  /// A hyperlink: its text and its target.
  public struct Link: Sendable, Equatable {
    public var text: String
    public var href: String

    public init(_ text: String, href: String) {
      self.text = text
      self.href = href
    }
  }

  /// A table cell: text, a number (right-aligned, monospaced digits) or a link.
  public enum Cell: Sendable, Equatable, ExpressibleByStringLiteral {
    case text(String)
    case number(String)
    case link(String, href: String)
    /// A value that is not there: an en dash, right-aligned, with `reason` as its
    /// tooltip (the `title` attribute), e.g. "not evaluated yet".
    case missing(reason: String)
    /// Text that reports a fault, drawn in dark red.
    case warning(String)
    /// Several links: the first at full size, the others smaller on a line below
    /// it (e.g. a run's page and its other renderings). Empty gives an empty cell.
    case links([Link])

    public init(stringLiteral value: String) {
      self = .text(value)
    }
  }

  /// Writes the page atomically to `path`.
  public func write(to path: String) throws {
    try AtomicFile.write(text: html(), to: path)
  }
}
