package org.multiprocessing4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class TextTableTest {

  @Test
  void wrap_longText_breaksAtSpacesWithinWidth() {
    assertThat(TextTable.wrap("the quick brown fox jumps", 10))
        .containsExactly("the quick", "brown fox", "jumps");
  }

  @Test
  void wrap_wordLongerThanWidth_isCut() {
    assertThat(TextTable.wrap("a abcdefghij b", 4)).containsExactly("a", "abcd", "efgh", "ij b");
  }

  @Test
  void wrap_emptyText_givesOneEmptyLine() {
    assertThat(TextTable.wrap("", 5)).containsExactly("");
  }

  @Test
  void render_wrappedCells_alignColumns() {
    TextTable table = new TextTable(List.of("id", "text"), List.of(3, 8));
    table.addRow(List.of("a", "one two three"));

    assertThat(table.render().lines())
        .containsExactly(
            "+-----+----------+",
            "| id  | text     |",
            "+-----+----------+",
            "| a   | one two  |",
            "|     | three    |",
            "+-----+----------+");
  }

  @Test
  void addRow_wrongNumberOfCells_throws() {
    TextTable table = new TextTable(List.of("id", "text"), List.of(3, 8));

    assertThatThrownBy(() -> table.addRow(List.of("only one")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("needs 2 cells");
  }
}
