using System.Text;
using LocalDapr.PubSub;

namespace LocalDapr.Tests;

public sealed class EnvelopeAndRoutingTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);

    private static JsonElement Envelope(string data, string? contentType, Dictionary<string, string>? metadata = null)
    {
        var request = new PublishRequest("pubsub", "topic", Encoding.UTF8.GetBytes(data), contentType, metadata ?? []);
        return JsonDocument.Parse(CloudEvents.Envelope(request, "publisher", TraceContext.ChildOf(null), Now)).RootElement;
    }

    [Fact]
    public void Json_data_is_embedded_as_json_and_invalid_json_as_a_string()
    {
        Assert.Equal(JsonValueKind.Object, Envelope("""{"a":1}""", "application/json").GetProperty("data").ValueKind);
        var invalid = Envelope("{not json", "application/json");
        Assert.Equal("{not json", invalid.GetProperty("data").GetString());
        Assert.Equal("application/json", invalid.GetProperty("datacontenttype").GetString());
    }

    [Fact]
    public void No_content_type_means_text_plain_and_binary_goes_to_data_base64()
    {
        var text = Envelope("hello", null);
        Assert.Equal("text/plain", text.GetProperty("datacontenttype").GetString());
        Assert.Equal("hello", text.GetProperty("data").GetString());
        var binary = Envelope("\u0001\u0002", "application/octet-stream");
        Assert.Equal("AQI=", binary.GetProperty("data_base64").GetString());
        Assert.False(binary.TryGetProperty("data", out _));
    }

    [Fact]
    public void Cloudevent_metadata_overrides_id_type_source_and_subject()
    {
        var e = Envelope("{}", "application/json", new() { ["cloudevent.id"] = "fixed", ["cloudevent.type"] = "mtaeda.equipment.v1.TurnstileLocked", ["cloudevent.source"] = "elsewhere", ["cloudevent.subject"] = "t-1" });

        Assert.Equal("fixed", e.GetProperty("id").GetString());
        Assert.Equal("mtaeda.equipment.v1.TurnstileLocked", e.GetProperty("type").GetString());
        Assert.Equal("elsewhere", e.GetProperty("source").GetString());
        Assert.Equal("t-1", e.GetProperty("subject").GetString());
    }

    [Fact]
    public void A_caller_cloud_event_is_kept_with_topic_and_pubsubname_overwritten()
    {
        var e = Envelope("""{"id":"mine","source":"device","type":"custom","specversion":"1.0","topic":"wrong","data":{"x":1}}""", "application/cloudevents+json");

        Assert.Equal("mine", e.GetProperty("id").GetString());
        Assert.Equal("device", e.GetProperty("source").GetString());
        Assert.Equal("topic", e.GetProperty("topic").GetString());
        Assert.Equal("pubsub", e.GetProperty("pubsubname").GetString());
        Assert.Equal(1, e.GetProperty("data").GetProperty("x").GetInt32());
        Assert.True(e.TryGetProperty("time", out _));
    }

    [Fact]
    public void A_ttl_sets_the_expiration()
    {
        var e = Envelope("{}", "application/json", new() { ["ttlInSeconds"] = "30" });

        Assert.Equal(Now.AddSeconds(30), DateTimeOffset.Parse(e.GetProperty("expiration").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void The_publisher_trace_is_continued_in_the_envelope()
    {
        var trace = TraceContext.ChildOf("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "vendor=1");
        var request = new PublishRequest("pubsub", "t", "{}"u8.ToArray(), "application/json", new Dictionary<string, string>());
        var e = JsonDocument.Parse(CloudEvents.Envelope(request, "p", trace, Now)).RootElement;

        Assert.StartsWith("00-4bf92f3577b34da6a3ce929d0e0e4736-", e.GetProperty("traceparent").GetString());
        Assert.EndsWith("-01", e.GetProperty("traceparent").GetString());
        Assert.Equal("vendor=1", e.GetProperty("tracestate").GetString());
    }

    [Theory]
    [InlineData("event.type == \"vip\"", true)]
    [InlineData("event.type != \"vip\"", false)]
    [InlineData("event.type == 'vip' && event.data.amount > 100", true)]
    [InlineData("event.type == 'vip' && event.data.amount > 1000", false)]
    [InlineData("event.data.amount >= 250 || event.source == 'x'", true)]
    [InlineData("!(event.data.amount < 10)", true)]
    [InlineData("event.source.startsWith(\"equip\")", true)]
    [InlineData("event.type.endsWith(\"ip\") && event.source.contains(\"quip\")", true)]
    [InlineData("has(event.data.amount)", true)]
    [InlineData("has(event.data.missing)", false)]
    [InlineData("event.data.flag == true", true)]
    [InlineData("event.missing == null", true)]
    public void Routing_rules_evaluate_the_cel_subset(string rule, bool expected)
    {
        var cloudEvent = JsonDocument.Parse("""{"type":"vip","source":"equipment","data":{"amount":250,"flag":true}}""").RootElement;

        Assert.Equal(expected, RouteExpression.Parse(rule).Matches(cloudEvent));
    }

    [Theory]
    [InlineData("event.type ==")]
    [InlineData("other.type == 'x'")]
    [InlineData("event.type.matches('x')")]
    [InlineData("event.type == 'unterminated")]
    public void Malformed_rules_are_refused(string rule) => Assert.Throws<FormatException>(() => RouteExpression.Parse(rule));

    [Theory]
    [InlineData("", DeliveryOutcome.Success)]
    [InlineData("""{"status":"SUCCESS"}""", DeliveryOutcome.Success)]
    [InlineData("""{"status":"success"}""", DeliveryOutcome.Success)]
    [InlineData("""{"status":"RETRY"}""", DeliveryOutcome.Retry)]
    [InlineData("""{"status":"DROP"}""", DeliveryOutcome.Drop)]
    [InlineData("""{"status":"ELSE"}""", DeliveryOutcome.Retry)]
    [InlineData("""{"status":3}""", DeliveryOutcome.Retry)]
    [InlineData("""{"other":1}""", DeliveryOutcome.Success)]
    [InlineData("plain text", DeliveryOutcome.Success)]
    public void Two_hundred_bodies_map_to_outcomes(string body, DeliveryOutcome expected) =>
        Assert.Equal(expected, SubscriptionDispatcher.StatusOf(Encoding.UTF8.GetBytes(body)));
}
