using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Mtaeda.Contracts;

namespace Mtaeda.ServiceDefaults.Tests;

public sealed class RequestTimesTests
{
    public static TheoryData<Timestamp> InvalidTimestamps => new()
    {
        new Timestamp { Seconds = 1, Nanos = -5 },
        new Timestamp { Seconds = 0, Nanos = 1_000_000_000 },
        new Timestamp { Seconds = 253_402_300_800 }, // 10000-01-01
        new Timestamp { Seconds = -62_135_596_801 }, // before 0001-01-01
    };

    [Theory]
    [MemberData(nameof(InvalidTimestamps))]
    public void A_timestamp_it_cannot_hold_is_bad_input_naming_the_field(Timestamp value)
    {
        foreach (var check in new Action[] { () => RequestTimes.Optional(value, "since"), () => RequestTimes.Require(value, "since") })
        {
            var error = Assert.Throws<RpcException>(check);

            Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
            var violation = Assert.Single(Errors.FieldViolationsOf(error));
            Assert.Equal(("since", "is not a valid timestamp"), (violation.Field, violation.Description));
        }
    }

    [Fact]
    public void A_missing_timestamp_is_null_when_optional_and_bad_input_when_required()
    {
        Assert.Null(RequestTimes.Optional(null, "since"));

        var error = Assert.Throws<RpcException>(() => RequestTimes.Require(null, "interval_start"));
        var violation = Assert.Single(Errors.FieldViolationsOf(error));
        Assert.Equal(("interval_start", "is required"), (violation.Field, violation.Description));
    }

    [Fact]
    public void A_valid_timestamp_is_its_time()
    {
        var at = new DateTimeOffset(2026, 12, 7, 10, 30, 15, TimeSpan.Zero).AddTicks(1234);

        Assert.Equal(at, RequestTimes.Require(Timestamp.FromDateTimeOffset(at), "interval_start"));
        Assert.Equal(at, RequestTimes.Optional(Timestamp.FromDateTimeOffset(at), "since"));
    }
}
