<?xml version="1.0" encoding="UTF-8"?>
<!--
  compliance-csv.xsl - an example CustomConfiguration for pchat-compliance: turns the XML
  adapter's output (docs/compliance.xsd) into CSV, one line per Message:

    time,room,type,sender,content,id
    "2008-06-04T20:15:40.9530000Z","ma-chan://example.com/lobby","CHAT","sip:alice@example.com","hello","42"

  time is the string form of DateTimeUTC, room the Channel's URI, sender the Sender's
  URI; content and id are empty where the Message has none (JOIN, PART, ...).  Every
  field is quoted, a quote inside doubled (RFC 4180); a line break inside a post stays
  inside its quoted field; lines end with LF.  FirstMessage, a copy of the first
  Message, is left out.  The result is the archived text unchanged: a spreadsheet may
  take a field starting with = + - or @ for a formula, so open such files as text.

  xsl:output's media-type makes pchat-compliance name the result *.csv (compliance/xslt.h).
-->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:output method="text" media-type="text/csv" encoding="UTF-8"/>

  <xsl:template match="/">
    <xsl:text>time,room,type,sender,content,id&#10;</xsl:text>
    <xsl:apply-templates select="Conversations/Conversation/Messages/Message"/>
  </xsl:template>

  <xsl:template match="Message">
    <xsl:call-template name="field">
      <xsl:with-param name="value" select="DateTimeUTC/@string"/>
    </xsl:call-template>
    <xsl:text>,</xsl:text>
    <xsl:call-template name="field">
      <xsl:with-param name="value" select="../../Channel/@uri"/>
    </xsl:call-template>
    <xsl:text>,</xsl:text>
    <xsl:call-template name="field">
      <xsl:with-param name="value" select="@type"/>
    </xsl:call-template>
    <xsl:text>,</xsl:text>
    <xsl:call-template name="field">
      <xsl:with-param name="value" select="Sender/@uri"/>
    </xsl:call-template>
    <xsl:text>,</xsl:text>
    <xsl:call-template name="field">
      <xsl:with-param name="value" select="@content"/>
    </xsl:call-template>
    <xsl:text>,</xsl:text>
    <xsl:call-template name="field">
      <xsl:with-param name="value" select="@id"/>
    </xsl:call-template>
    <xsl:text>&#10;</xsl:text>
  </xsl:template>

  <!-- "value", its quotes doubled -->
  <xsl:template name="field">
    <xsl:param name="value"/>
    <xsl:text>"</xsl:text>
    <xsl:call-template name="double-quotes">
      <xsl:with-param name="text" select="string($value)"/>
    </xsl:call-template>
    <xsl:text>"</xsl:text>
  </xsl:template>

  <!-- XSLT 1.0 has no replace(): one quote at a time, in pieces of at most 64
       characters, so that no text however long or full of quotes recurses deeper than
       libxslt allows (3000 calls) -->
  <xsl:template name="double-quotes">
    <xsl:param name="text"/>
    <xsl:choose>
      <xsl:when test="string-length($text) &gt; 64">
        <xsl:variable name="half" select="floor(string-length($text) div 2)"/>
        <xsl:call-template name="double-quotes">
          <xsl:with-param name="text" select="substring($text, 1, $half)"/>
        </xsl:call-template>
        <xsl:call-template name="double-quotes">
          <xsl:with-param name="text" select="substring($text, $half + 1)"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:when test="contains($text, '&quot;')">
        <xsl:value-of select="substring-before($text, '&quot;')"/>
        <xsl:text>""</xsl:text>
        <xsl:call-template name="double-quotes">
          <xsl:with-param name="text" select="substring-after($text, '&quot;')"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:otherwise>
        <xsl:value-of select="$text"/>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>
</xsl:stylesheet>
