using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Mtaeda.ServiceDefaults.Tests.Fakes;

/// <summary>Deliveries as the sidecar makes them: a CloudEvent in structured mode, posted to an app's subscription route.</summary>
internal static class Deliveries
{
    /// <summary>
    /// The CloudEvent of <paramref name="data"/> (JSON) from <paramref name="source"/>, without an id when
    /// <paramref name="id"/> is null, naming its pub/sub component and topic when they are given.
    /// </summary>
    public static StringContent CloudEvent(string? id, string source, string type, string data, string? pubsubName = null, string? topic = null)
    {
        var envelope = new Dictionary<string, object>
        {
            ["specversion"] = "1.0",
            ["source"] = source,
            ["type"] = type,
            ["datacontenttype"] = "application/json",
            ["data"] = JsonDocument.Parse(data).RootElement,
        };
        if (id is not null) envelope["id"] = id;
        if (pubsubName is not null) envelope["pubsubname"] = pubsubName;
        if (topic is not null) envelope["topic"] = topic;
        var content = new StringContent(JsonSerializer.Serialize(envelope), Encoding.UTF8);
        content.Headers.ContentType = new("application/cloudevents+json") { CharSet = "utf-8" };
        return content;
    }

    /// <summary>Posts <paramref name="content"/> to <paramref name="path"/>; the app's answer (SUCCESS, RETRY, DROP), which comes with 200.</summary>
    public static async Task<string?> PostAsync(HttpClient client, string path, StringContent content)
    {
        using (content)
        {
            var ct = TestContext.Current.CancellationToken;
            using var response = await client.PostAsync(path, content, ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return (await response.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("status").GetString();
        }
    }
}
