using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace LocalDapr.PubSub;

/// <summary>What a publisher sent: the bytes, their content type and the request metadata.</summary>
public sealed record PublishRequest(string PubSubName, string Topic, ReadOnlyMemory<byte> Data, string? ContentType, IReadOnlyDictionary<string, string> Metadata);

/// <summary>Builds the CloudEvent envelope exactly as daprd does on publish (components-contrib <c>NewCloudEventsEnvelope</c>).</summary>
public static class CloudEvents
{
    public const string ContentType = "application/cloudevents+json";
    public const string DefaultType = "com.dapr.event.sent";

    /// <summary>The envelope bytes, or the raw bytes when <c>rawPayload</c> is set.</summary>
    public static byte[] Envelope(PublishRequest request, string sourceAppId, TraceContext trace, DateTimeOffset now)
    {
        if (IsTrue(request.Metadata, "rawPayload")) return request.Data.ToArray();

        var contentType = string.IsNullOrEmpty(request.ContentType) ? "text/plain" : request.ContentType;
        string? Override(string name) => Meta(request.Metadata, "cloudevent." + name);

        var buffer = new ArrayBufferWriter<byte>(request.Data.Length + 512);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            if (contentType.StartsWith(ContentType, StringComparison.OrdinalIgnoreCase) && TryParseObject(request.Data, out var given))
            {
                // The caller's own CloudEvent is kept; daprd overwrites topic and pubsubname and fills in what is missing.
                using (given)
                {
                    foreach (var p in given.RootElement.EnumerateObject())
                    {
                        if (p.NameEquals("topic") || p.NameEquals("pubsubname")) continue;
                        p.WriteTo(w);
                    }
                    var root = given.RootElement;
                    if (!root.TryGetProperty("id", out _)) w.WriteString("id", Override("id") ?? Guid.NewGuid().ToString());
                    if (!root.TryGetProperty("source", out _)) w.WriteString("source", Override("source") ?? sourceAppId);
                    if (!root.TryGetProperty("type", out _)) w.WriteString("type", Override("type") ?? DefaultType);
                    if (!root.TryGetProperty("specversion", out _)) w.WriteString("specversion", "1.0");
                    if (!root.TryGetProperty("time", out _)) w.WriteString("time", Rfc3339(now));
                    if (!root.TryGetProperty("traceparent", out _)) WriteTrace(w, trace, request);
                }
            }
            else
            {
                w.WriteString("id", Override("id") ?? Guid.NewGuid().ToString());
                w.WriteString("source", Override("source") ?? sourceAppId);
                w.WriteString("type", Override("type") ?? DefaultType);
                w.WriteString("specversion", "1.0");
                w.WriteString("datacontenttype", contentType);
                WriteData(w, request.Data, contentType);
                if (Override("subject") is { } subject) w.WriteString("subject", subject);
                w.WriteString("time", Rfc3339(now));
                WriteTrace(w, trace, request);
            }
            w.WriteString("topic", request.Topic);
            w.WriteString("pubsubname", request.PubSubName);
            if (Meta(request.Metadata, "ttlInSeconds") is { } ttl && int.TryParse(ttl, CultureInfo.InvariantCulture, out var seconds) && seconds > 0)
                w.WriteString("expiration", Rfc3339(now.AddSeconds(seconds)));
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The envelope delivered for a raw-payload message: the bytes in <c>data_base64</c>, source <c>Dapr</c> (components-contrib <c>FromRawPayload</c>).</summary>
    public static byte[] FromRawPayload(PubSubMessage message, string pubsubName, TraceContext trace, DateTimeOffset now)
    {
        var buffer = new ArrayBufferWriter<byte>(message.Data.Length * 2 + 256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("id", Guid.NewGuid().ToString());
            w.WriteString("source", "Dapr");
            w.WriteString("type", DefaultType);
            w.WriteString("specversion", "1.0");
            w.WriteString("datacontenttype", "application/octet-stream");
            w.WriteBase64String("data_base64", message.Data);
            w.WriteString("time", Rfc3339(now));
            w.WriteString("traceparent", trace.ToString());
            w.WriteString("topic", message.Topic);
            w.WriteString("pubsubname", pubsubName);
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    public static bool IsJsonContentType(string contentType)
    {
        var media = contentType.Split(';', 2)[0].Trim();
        return media.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || media.Equals("text/json", StringComparison.OrdinalIgnoreCase)
            || media.EndsWith("+json", StringComparison.OrdinalIgnoreCase);
    }

    public static bool IsTrue(IReadOnlyDictionary<string, string> metadata, string key) =>
        bool.TryParse(Meta(metadata, key), out var b) && b;

    public static string? Meta(IReadOnlyDictionary<string, string> metadata, string key)
    {
        if (metadata.TryGetValue(key, out var direct)) return direct;
        foreach (var (k, v) in metadata)
        {
            if (string.Equals(k, key, StringComparison.OrdinalIgnoreCase)) return v;
        }
        return null;
    }

    private static void WriteData(Utf8JsonWriter w, ReadOnlyMemory<byte> data, string contentType)
    {
        if (data.IsEmpty) return;
        if (IsJsonContentType(contentType))
        {
            if (IsJson(data.Span)) 
            {
                w.WritePropertyName("data");
                w.WriteRawValue(data.Span, skipInputValidation: true);
            }
            else w.WriteString("data", Encoding.UTF8.GetString(data.Span));
            return;
        }
        var media = contentType.Split(';', 2)[0].Trim();
        if (media.StartsWith("text/", StringComparison.OrdinalIgnoreCase) || media.EndsWith("/xml", StringComparison.OrdinalIgnoreCase))
            w.WriteString("data", Encoding.UTF8.GetString(data.Span));
        else
            w.WriteBase64String("data_base64", data.Span);
    }

    private static void WriteTrace(Utf8JsonWriter w, TraceContext trace, PublishRequest request)
    {
        var traceparent = Meta(request.Metadata, "cloudevent.traceparent") ?? Meta(request.Metadata, "cloudevent.traceid") ?? trace.ToString();
        w.WriteString("traceid", traceparent);
        w.WriteString("traceparent", traceparent);
        var state = Meta(request.Metadata, "cloudevent.tracestate") ?? trace.State;
        if (!string.IsNullOrEmpty(state)) w.WriteString("tracestate", state);
    }

    private static bool IsJson(ReadOnlySpan<byte> data)
    {
        var reader = new Utf8JsonReader(data);
        try
        {
            return JsonDocument.TryParseValue(ref reader, out var doc) && Dispose(doc) && reader.BytesConsumed == data.Length;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static bool Dispose(JsonDocument? doc)
    {
        doc?.Dispose();
        return true;
    }

    private static bool TryParseObject(ReadOnlyMemory<byte> data, out JsonDocument document)
    {
        document = null!;
        try
        {
            document = JsonDocument.Parse(data);
            if (document.RootElement.ValueKind == JsonValueKind.Object) return true;
            document.Dispose();
            return false;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string Rfc3339(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
}
