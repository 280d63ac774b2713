import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.util.List;
import java.util.Map;
import software.amazon.event.ruler.Machine;

/**
 * Reads {"patterns": {name: pattern}, "events": [event]} on standard input and prints, for each
 * event, the sorted names of the patterns that match it, as Event Ruler decides. Test only
 * (test/model/notifications-pattern.test.ts).
 */
public class PatternMatch {
  public static void main(String[] args) throws Exception {
    ObjectMapper mapper = new ObjectMapper();
    JsonNode input = mapper.readTree(System.in);
    Machine machine = Machine.builder().build();
    for (Map.Entry<String, JsonNode> pattern : input.get("patterns").properties()) {
      machine.addRule(pattern.getKey(), mapper.writeValueAsString(pattern.getValue()));
    }
    ArrayNode results = mapper.createArrayNode();
    for (JsonNode event : input.get("events")) {
      List<String> names = machine.rulesForJSONEvent(mapper.writeValueAsString(event));
      ArrayNode matched = results.addArray();
      names.stream().sorted().forEach(matched::add);
    }
    System.out.println(mapper.writeValueAsString(results));
  }
}
