package io.spinestream.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.spinestream.events.CtSlice;
import org.junit.jupiter.api.Test;

class SubjectNameStrategyTest {

  @Test
  void shouldNameSubjectsLikeConfluent() {
    var schema = CtSlice.getClassSchema();
    assertThat(SubjectNameStrategy.TOPIC_NAME.subjectName("spine.slices", false, schema)).isEqualTo("spine.slices-value");
    assertThat(SubjectNameStrategy.TOPIC_NAME.subjectName("spine.slices", true, schema)).isEqualTo("spine.slices-key");
    assertThat(SubjectNameStrategy.RECORD_NAME.subjectName("x", false, schema)).isEqualTo("io.spinestream.events.CtSlice");
    assertThat(SubjectNameStrategy.TOPIC_RECORD_NAME.subjectName("x", false, schema))
        .isEqualTo("x-io.spinestream.events.CtSlice");
  }

  @Test
  void shouldAcceptConfluentClassNames() {
    assertThat(SubjectNameStrategy.parse("io.confluent.kafka.serializers.subject.TopicRecordNameStrategy"))
        .isEqualTo(SubjectNameStrategy.TOPIC_RECORD_NAME);
    assertThat(SubjectNameStrategy.parse("RecordNameStrategy")).isEqualTo(SubjectNameStrategy.RECORD_NAME);
    assertThat(SubjectNameStrategy.parse(null)).isEqualTo(SubjectNameStrategy.TOPIC_NAME);
    assertThatThrownBy(() -> SubjectNameStrategy.parse("ByStudy")).hasMessageContaining("unknown subject name strategy");
  }
}
