package org.multiprocessing4j.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A plain-text table whose cells wrap at word boundaries to fixed column widths.
 *
 * <pre>
 * +----------+----------------+
 * | scenario | observed       |
 * +----------+----------------+
 * | race     | n = 99 after   |
 * |          | 0.51 s         |
 * +----------+----------------+
 * </pre>
 *
 * <p>Widths count {@code char}s, so text meant for the table should be ASCII or other single-width
 * characters.
 */
final class TextTable {

  private static final Pattern WHITESPACE = Pattern.compile("\\s+");

  private final List<String> headers;
  private final List<Integer> widths;
  private final List<List<String>> rows = new ArrayList<>();

  /**
   * Creates a table.
   *
   * @param headers the column headers
   * @param widths the width of each column's text, at least 1
   * @throws IllegalArgumentException if the lists differ in size or a width is less than 1
   */
  TextTable(List<String> headers, List<Integer> widths) {
    if (headers.size() != widths.size()) {
      throw new IllegalArgumentException(
          headers.size() + " headers but " + widths.size() + " widths");
    }
    for (int width : widths) {
      if (width < 1) {
        throw new IllegalArgumentException("column width < 1: " + widths);
      }
    }
    this.headers = List.copyOf(headers);
    this.widths = List.copyOf(widths);
  }

  /**
   * Adds a row.
   *
   * @param cells one cell per column
   * @throws IllegalArgumentException if the number of cells is not the number of columns
   */
  void addRow(List<String> cells) {
    if (cells.size() != headers.size()) {
      throw new IllegalArgumentException(
          "a row needs " + headers.size() + " cells, got " + cells.size() + ": " + cells);
    }
    rows.add(List.copyOf(cells));
  }

  /**
   * Renders the table.
   *
   * @return the table, each line ended by {@link System#lineSeparator()}
   */
  String render() {
    StringBuilder text = new StringBuilder();
    String rule = rule();
    text.append(rule);
    appendRow(text, headers);
    text.append(rule);
    for (List<String> row : rows) {
      appendRow(text, row);
      text.append(rule);
    }
    return text.toString();
  }

  private String rule() {
    StringBuilder line = new StringBuilder("+");
    for (int width : widths) {
      line.append("-".repeat(width + 2)).append('+');
    }
    return line.append(System.lineSeparator()).toString();
  }

  private void appendRow(StringBuilder text, List<String> cells) {
    List<List<String>> wrapped = new ArrayList<>();
    int height = 0;
    for (int i = 0; i < cells.size(); i++) {
      List<String> lines = wrap(cells.get(i), widths.get(i));
      wrapped.add(lines);
      height = Math.max(height, lines.size());
    }
    for (int line = 0; line < height; line++) {
      text.append('|');
      for (int i = 0; i < cells.size(); i++) {
        List<String> lines = wrapped.get(i);
        String part = line < lines.size() ? lines.get(line) : "";
        text.append(' ')
            .append(part)
            .append(" ".repeat(widths.get(i) - part.length()))
            .append(" |");
      }
      text.append(System.lineSeparator());
    }
  }

  /**
   * Breaks text into lines of at most {@code width} characters, at spaces where possible.
   *
   * @param text the text; line breaks in it are treated as spaces
   * @param width the longest line
   * @return at least one line
   */
  static List<String> wrap(String text, int width) {
    List<String> lines = new ArrayList<>();
    StringBuilder line = new StringBuilder();
    for (String word : WHITESPACE.splitAsStream(text.strip()).toList()) {
      while (word.length() > width) { // a word longer than the column: cut it
        if (!line.isEmpty()) {
          lines.add(line.toString());
          line.setLength(0);
        }
        lines.add(word.substring(0, width));
        word = word.substring(width);
      }
      if (word.isEmpty()) {
        continue;
      }
      if (line.isEmpty()) {
        line.append(word);
      } else if (line.length() + 1 + word.length() <= width) {
        line.append(' ').append(word);
      } else {
        lines.add(line.toString());
        line.setLength(0);
        line.append(word);
      }
    }
    if (!line.isEmpty() || lines.isEmpty()) {
      lines.add(line.toString());
    }
    return lines;
  }
}
