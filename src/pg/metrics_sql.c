/*
 * metrics_sql.c — the Prometheus text format of the metrics, and the SQL
 * functions hydra.metrics(), hydra.metrics_text() and hydra._status().
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"

#include "pg/metrics.h"

PG_FUNCTION_INFO_V1(hydra_metrics_rows);
PG_FUNCTION_INFO_V1(hydra_metrics_text_sql);
PG_FUNCTION_INFO_V1(hydra_status_sql);

/* Append a label value escaped for the text format (\\, \", \n) */
static void
append_escaped(StringInfo out, const char *v, bool json)
{
	for (; *v; v++)
	{
		if (*v == '\\' || *v == '"')
			appendStringInfoChar(out, '\\');
		if (*v == '\n')
		{
			appendStringInfoString(out, "\\n");
			continue;
		}
		if (json && (unsigned char) *v < 0x20)
			continue;
		appendStringInfoChar(out, *v);
	}
}

/* Append a sample value: integers exactly, others with full precision */
static void
append_value(StringInfo out, double v)
{
	if (isinf(v))
		appendStringInfoString(out, v > 0 ? "+Inf" : "-Inf");
	else if (isnan(v))
		appendStringInfoString(out, "NaN");
	else if (v == floor(v) && fabs(v) < 9007199254740992.0)
		appendStringInfo(out, "%.0f", v);
	else
		appendStringInfo(out, "%.15g", v);
}

/* Text format: HELP and TYPE lines of a family */
static void
text_family(void *arg, const char *name, HydraMetricType type, const char *help)
{
	StringInfo	out = arg;

	appendStringInfo(out, "# HELP %s ", name);
	for (const char *p = help; *p; p++)
	{
		if (*p == '\\')
			appendStringInfoString(out, "\\\\");
		else if (*p == '\n')
			appendStringInfoString(out, "\\n");
		else
			appendStringInfoChar(out, *p);
	}
	appendStringInfo(out, "\n# TYPE %s %s\n", name,
					 type == HYDRA_COUNTER ? "counter" : type == HYDRA_GAUGE ? "gauge" : "histogram");
}

/* Text format: one sample line */
static void
text_sample(void *arg, const char *name, const char *const *labels, int nlabels, double value)
{
	StringInfo	out = arg;

	appendStringInfoString(out, name);
	if (nlabels > 0)
	{
		appendStringInfoChar(out, '{');
		for (int i = 0; i < nlabels; i++)
		{
			appendStringInfo(out, "%s%s=\"", i ? "," : "", labels[2 * i]);
			append_escaped(out, labels[2 * i + 1], false);
			appendStringInfoChar(out, '"');
		}
		appendStringInfoChar(out, '}');
	}
	appendStringInfoChar(out, ' ');
	append_value(out, value);
	appendStringInfoChar(out, '\n');
}

/* The Prometheus text exposition (format 0.0.4) of every metric */
void
hydra_metrics_text(StringInfo out)
{
	HydraMetricSink sink = {text_family, text_sample, out};

	hydra_metrics_collect(&sink);
}

/* Rows of hydra.metrics(): no HELP/TYPE, one row per sample */
static void
row_family(void *arg, const char *name, HydraMetricType type, const char *help)
{
}

/* One row (name, labels jsonb, value) */
static void
row_sample(void *arg, const char *name, const char *const *labels, int nlabels, double value)
{
	ReturnSetInfo *rsinfo = arg;
	StringInfoData json;
	Datum		values[3];
	bool		nulls[3] = {false, false, false};

	initStringInfo(&json);
	appendStringInfoChar(&json, '{');
	for (int i = 0; i < nlabels; i++)
	{
		appendStringInfo(&json, "%s\"%s\": \"", i ? ", " : "", labels[2 * i]);
		append_escaped(&json, labels[2 * i + 1], true);
		appendStringInfoChar(&json, '"');
	}
	appendStringInfoChar(&json, '}');
	values[0] = CStringGetTextDatum(name);
	values[1] = DirectFunctionCall1(jsonb_in, CStringGetDatum(json.data));
	values[2] = Float8GetDatum(value);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	pfree(json.data);
}

/* hydra.metrics() -> (name text, labels jsonb, value float8) */
Datum
hydra_metrics_rows(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	HydraMetricSink sink;

	InitMaterializedSRF(fcinfo, 0);
	sink.family = row_family;
	sink.sample = row_sample;
	sink.arg = rsinfo;
	hydra_metrics_collect(&sink);
	return (Datum) 0;
}

/* hydra.metrics_text() -> text */
Datum
hydra_metrics_text_sql(PG_FUNCTION_ARGS)
{
	StringInfoData out;

	initStringInfo(&out);
	hydra_metrics_text(&out);
	PG_RETURN_TEXT_P(cstring_to_text_with_len(out.data, out.len));
}

/*
 * hydra._status() -> (heads, connections, routing_table_size,
 * prefetch_queue_depth, uptime, memory); hydra.status() adds the counts
 * that need SQL.
 */
Datum
hydra_status_sql(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	HydraStatus st;
	Datum		values[6];
	bool		nulls[6] = {false, false, false, false, false, false};
	Interval   *uptime = palloc0(sizeof(Interval));

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("hydra._status() must return a row")));
	if (hydra_metrics == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("hydra shared memory is not available"),
				 errhint("hydra must be in shared_preload_libraries.")));
	hydra_status_collect(&st);
	uptime->time = (TimeOffset) (st.uptime_s * USECS_PER_SEC);
	values[0] = Int32GetDatum(st.heads_running);
	values[1] = Int64GetDatum(st.connections);
	values[2] = Int32GetDatum(st.routing_table_size);
	values[3] = Int64GetDatum(st.prefetch_queue_depth);
	values[4] = IntervalPGetDatum(uptime);
	values[5] = Int64GetDatum(st.memory_bytes);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc), values, nulls)));
}
