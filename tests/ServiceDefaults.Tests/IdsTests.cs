using Mtaeda.Contracts;

namespace Mtaeda.ServiceDefaults.Tests;

public sealed class IdsTests
{
    [Theory]
    [InlineData(null, "is required")]
    [InlineData("", "is required")]
    [InlineData("no spaces", Ids.Rule)]
    public void A_missing_or_malformed_id_is_bad_input_naming_the_field(string? id, string description)
    {
        var refusal = Assert.Throws<DomainRefusalException>(() => Ids.Require(id, "station_id"));

        Assert.Equal((RefusalKind.InvalidArgument, "station_id", description), (refusal.Kind, refusal.Field, refusal.Refusal.Detail));
    }

    [Fact]
    public void A_well_formed_id_is_returned() => Assert.Equal("ts-001.A_2", Ids.Require("ts-001.A_2", "turnstile_id"));
}
